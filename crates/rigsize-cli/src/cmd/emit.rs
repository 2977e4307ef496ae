//! Writing a `rigsize plan --emit` bundle: all or nothing. The files go to a temporary
//! directory beside DIR, which is renamed into place at the end, so a failure leaves
//! neither a half-written bundle nor a damaged old one.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rigsize_plan::emit::BundleFile;

/// Writes `files` into `dir`; refuses a non-empty `dir` unless `force` (then replaces it).
pub fn write_bundle(dir: &Path, files: &[BundleFile], force: bool) -> Result<()> {
    let shown = dir.display();
    if dir.exists() {
        if !dir.is_dir() {
            bail!("--emit {shown}: exists and is not a directory");
        }
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("--emit {shown}: cannot read the directory"))?
            .next()
            .is_none();
        if !empty && !force {
            bail!("--emit {shown}: the directory is not empty (add --force to replace it)");
        }
    }
    let name = dir
        .file_name()
        .with_context(|| format!("--emit {shown}: not a directory name"))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        bail!("--emit {shown}: {} does not exist", parent.display());
    }
    let tmp = parent.join(format!(
        ".{}.rigsize-emit-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = fill(&tmp, files).and_then(|()| swap_in(&tmp, dir));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.with_context(|| format!("cannot write the bundle to {shown}"))
}

fn fill(tmp: &Path, files: &[BundleFile]) -> Result<()> {
    std::fs::create_dir(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    for f in files {
        let path = tmp.join(&f.path);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
        }
        std::fs::write(&path, &f.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        #[cfg(unix)]
        if f.executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Renames the finished bundle into place; an old DIR is moved aside first and removed
/// only once the new one is in place.
fn swap_in(tmp: &Path, dir: &Path) -> Result<()> {
    if !dir.exists() {
        return std::fs::rename(tmp, dir).context("cannot move the bundle into place");
    }
    let old = tmp.with_extension("old");
    std::fs::rename(dir, &old).context("cannot move the old directory aside")?;
    if let Err(e) = std::fs::rename(tmp, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(e).context("cannot move the bundle into place");
    }
    std::fs::remove_dir_all(&old).context("cannot remove the old directory")
}
