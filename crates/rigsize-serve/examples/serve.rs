//! Runs the server on the built-in catalog without the CLI:
//! `cargo run -p rigsize-serve --example serve -- [PORT] [BIND]`.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map(|p| p.parse()).transpose()?.unwrap_or(8080);
    let bind: std::net::IpAddr = args
        .next()
        .map(|b| b.parse())
        .transpose()?
        .unwrap_or([127, 0, 0, 1].into());
    let catalog = rigsize_catalog::Catalog::builtin()?;
    tokio::runtime::Runtime::new()?.block_on(rigsize_serve::serve(bind, port, catalog))
}
