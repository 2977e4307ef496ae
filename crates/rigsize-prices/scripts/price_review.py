"""The review of the research's prices (2026-12): figures the final research contradicts,
flags the snapshot parser demands, and prices published after the research.

Imported by gen_snapshot.py; every entry cites its source. See docs/adding-data-hardware-prices.md.
"""

# Rows of prices_chf.csv (by line) that the final research contradicts: kept for
# traceability with the reason, never priced (Snapshot.retired).
DRAM_RISE = ("DRAM prices rose ~3-4x from September 2025: PCPartPicker 64 GB DDR5-5600 kit ~$180 (May 2025) -> ~$710 "
             "(https://ap7i.com/posts/ram-prices-tripled-blame-ai ; https://ai-checker.webcoda.com.au/articles/ddr5-ram-crisis-ai-stealing-computer-memory-2026 , "
             "TrendForce DDR5 spot +307% since September); 64 GB kits at $679.99 in June 2026 "
             "(https://www.techtimes.com/articles/317789/20260604/ddr5-ram-hits-375-floor-pc-builders-hbm-takes-three-times-more-wafers.htm)")
FINAL_RAM = ("the final research prices 64 GB DDR5-5600 at CHF 629 (toppreise p688007, 2026-02-17, HEAD nvidia-gpu/build-guide.md:51, "
             "'the cheapest option' :184) and dropped this figure with the deleted draft")
RETIRED = {
    253: f"2026-02-16 draft figure (WORKSTATION-OPTIONS.md@6ba8d11:211); {FINAL_RAM}; {DRAM_RISE}",
    254: f"author's 'Est. Price' in the deleted 2026-02-16 draft; {FINAL_RAM}; {DRAM_RISE}",
    256: f"2026-02-16 draft figure (WORKSTATION-OPTIONS.md@6ba8d11:611): 128 GB for less than half the final 64 GB price; {FINAL_RAM}; {DRAM_RISE}",
}
# MSRP estimates that undercut an observed price of their product line: the
# parser refuses them without this flag (the contradiction must reach the report).
MSRP_FLAGS = {
    "rtx-pro-6000-maxq": ["msrp-below-observed"],
}
# Editions sold at the same launch MSRP as a sibling with an observed Swiss price: the
# sibling's newest observed CHF price (newest date, then cheapest; drafts excluded) is a
# better estimate than the converted MSRP, which undercuts it. (item, sibling, why)
SAME_MSRP_SIBLINGS = [
    ("rtx-pro-6000-maxq", "rtx-pro-6000-ws",
     "Max-Q and Workstation Edition share the $8,565 launch MSRP (https://technical.city/en/video/"
     "RTX-PRO-4000-Blackwell-vs-RTX-PRO-5000-72-GB-Blackwell; hardware.toml rtx-pro-6000-maxq / -ws); "
     "no Swiss shop price of the Max-Q was found (prices_notes.md section 3)"),
]
# Observations found after the research (public pages; foreign currency -> estimate).
LATER = [
    dict(item_id="strix-halo-395", usd=1999, observed_at="2026-06",
         retailer="Framework (framework.com), US list price",
         url="https://theaibench.ai/hardware/framework-desktop-strix-halo/",
         product="Framework Desktop, Ryzen AI Max+ 395, 128 GB (mainboard config, before storage/OS)",
         citation="https://theaibench.ai/hardware/framework-desktop-strix-halo/ ('~$1,999 Framework base', verified June 2026); "
                  "https://matthewjayhunter.com/post/reviews/hardware/framework_desktop ('$1,999 for the 128GB configuration before storage, cooling, and accessories')",
         note="US price excl. sales tax, converted; the Swiss price (Framework ships to CH) not found"),
    dict(item_id="macbook-pro-14-2025-m5", usd=1599, observed_at="2025-10",
         retailer="Apple US Store, list price",
         url="https://allyoucantech.com/?p=164644",
         product="MacBook Pro 14 with M5 (base configuration)",
         citation="https://allyoucantech.com/?p=164644 ('equivalent performance of a $4,000 system for only $1,599'); "
                  "https://www.golem.de/news/apple-silicon-das-ist-das-macbook-pro-mit-m5-chip-2510-201203.html (16, 24 or 32 GB, 512 GB-4 TB)",
         note="US price excl. sales tax, converted; base 16 GB / 512 GB"),
    dict(item_id="macbook-pro-14-2025-m5", eur=1799, observed_at="2025-10-25",
         retailer="Apple DE Store, list price (as reported)",
         url="https://www.appgefahren.de/ifixit-nimmt-das-neue-macbook-pro-m5-auseinander-388797.html",
         product="MacBook Pro 14.2 with M5, 16 GB, 512 GB",
         citation="https://www.appgefahren.de/ifixit-nimmt-das-neue-macbook-pro-m5-auseinander-388797.html ('kostet mindestens 1.799 Euro. Dafür bekommt ihr ... 16 GB Arbeitsspeicher und 512 GB')",
         note="German price incl. German VAT, converted without Swiss VAT adjustment"),
    dict(item_id="macbook-pro-2026-m5-max-128g-8tb", usd=7349, observed_at="2026-03",
         retailer="Apple US Store, list price (as reported)",
         url="https://www.mac-dvd.com/blog/?p=1466",
         product="MacBook Pro M5 Max, 40-core GPU, 128 GB unified memory, 8 TB SSD",
         citation="https://www.mac-dvd.com/blog/?p=1466 ('M5 Max, a 40-core GPU, 128GB of unified memory, and an 8TB SSD - commands a staggering $7,349')",
         note="top configuration; the 8 TB SSD is most of the step above the 128 GB / 2 TB price, which was not found"),
    dict(item_id="dgx-spark", usd=4700, observed_at="2026-04-18",
         retailer="US price as reported (NVIDIA DGX Spark Founders Edition)",
         url="https://solafide.ca/blog/2026-04-dgx-spark-desktop-ai-supercomputer",
         product="NVIDIA DGX Spark (GB10, 128 GB)",
         citation="https://solafide.ca/blog/2026-04-dgx-spark-desktop-ai-supercomputer (2026-04-18: 'whether this $4,700 device makes sense'); "
                  "launch price $3,999 (https://aiwiki.ai/wiki/nvidia_digits/raw)",
         note="later US price after the 2026 memory-cost increases, converted; the Swiss observation (CHF 3,503, 2026-02-17) is older"),
    dict(item_id="dgx-spark", eur=4700, observed_at="2026-06",
         retailer="EU price as reported",
         url="https://morgannriu.fr/en/blog/nvidia-dgx-spark-rtx-spark-ia-locale-bureau",
         product="NVIDIA DGX Spark (GB10, 128 GB, up to 4 TB)",
         citation="https://morgannriu.fr/en/blog/nvidia-dgx-spark-rtx-spark-ia-locale-bureau (after Computex 2026: 'so you don't drop 4,700 EUR based on a spec sheet')",
         note="EU price incl. VAT as written, converted"),
    dict(item_id="rtx-pro-6000-ws", usd=8000, observed_at="2026-04",
         retailer="US retail as reported (range low)",
         url="https://www.newgearhub.com/review/nvidia-gtc-2026-blackwell-gpus-pro-workstations",
         product="NVIDIA RTX PRO 6000 Blackwell (Workstation Edition)",
         citation="https://www.newgearhub.com/review/nvidia-gtc-2026-blackwell-gpus-pro-workstations ('MSRP of $8,565 - and now retailing between $8,000 and $9,200 as of April 2026')",
         note="range low of '$8,000 and $9,200'; US street price excl. sales tax, converted"),
    dict(item_id="rtx-pro-6000-ws", usd=9200, observed_at="2026-04",
         retailer="US retail as reported (range high)",
         url="https://www.newgearhub.com/review/nvidia-gtc-2026-blackwell-gpus-pro-workstations",
         product="NVIDIA RTX PRO 6000 Blackwell (Workstation Edition)",
         citation="https://www.newgearhub.com/review/nvidia-gtc-2026-blackwell-gpus-pro-workstations ('MSRP of $8,565 - and now retailing between $8,000 and $9,200 as of April 2026')",
         note="range high of '$8,000 and $9,200'; US street price excl. sales tax, converted"),
    dict(item_id="strix-halo-395-64g", usd=1987, observed_at="2025",
         retailer="Framework (framework.com), US price of a reviewed configuration",
         url="https://dailynerd.com.br/noticias/revisao-do-framework-desktop-pequeno-e-poderoso-mas-as-atualizacoes-sao-subestimadas/413650",
         product="Framework Desktop, Ryzen AI Max+ 395, 64 GB LPDDR5x-8000, 1 TB SSD, Windows 11 Home (as reviewed)",
         citation="https://dailynerd.com.br/noticias/revisao-do-framework-desktop-pequeno-e-poderoso-mas-as-atualizacoes-sao-subestimadas/413650 "
                  "(review spec table: 'Preço conforme avaliação US$ 1.987', 64 GB LPDDR5x-8000, 1 TB SSD)",
         note="configured review unit incl. 1 TB SSD and Windows, so above the bare 64 GB mainboard price; converted from USD"),
]
