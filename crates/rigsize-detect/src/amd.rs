//! AMD: `rocm-smi --showproductname --showmeminfo vram --json`, one object
//! per card (`card0`…) with string values; sizes in bytes.

use serde_json::Value;

use crate::{RawGpu, Vendor};

pub const ARGS: &[&str] = &["--showproductname", "--showmeminfo", "vram", "--json"];

fn bytes(card: &Value, key: &str) -> Option<u64> {
    card.get(key)?.as_str()?.trim().parse().ok()
}

pub fn parse(text: &str) -> Result<Vec<RawGpu>, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("rocm-smi printed invalid JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("rocm-smi JSON is not an object of cards")?;
    let mut cards: Vec<(&String, &Value)> =
        obj.iter().filter(|(k, _)| k.starts_with("card")).collect();
    cards.sort_by_key(|(k, _)| k[4..].parse::<u32>().unwrap_or(u32::MAX));
    Ok(cards
        .into_iter()
        .map(|(_, card)| {
            let total = bytes(card, "VRAM Total Memory (B)");
            let used = bytes(card, "VRAM Total Used Memory (B)");
            let name = ["Card Series", "Card series", "Card SKU", "Card model"]
                .iter()
                .find_map(|k| card.get(*k).and_then(Value::as_str))
                .unwrap_or("AMD GPU")
                .trim()
                .to_string();
            RawGpu {
                vendor: Vendor::Amd,
                name,
                memory_total_bytes: total,
                memory_free_bytes: total.zip(used).map(|(t, u)| t.saturating_sub(u)),
                power_limit_w: None,
                bus_id: None,
                tool: "rocm-smi",
            }
        })
        .collect())
}
