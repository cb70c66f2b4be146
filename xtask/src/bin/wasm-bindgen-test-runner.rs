//! The wasm-bindgen test runner, built from the pinned `wasm-bindgen-cli`
//! library instead of `cargo install`: cargo calls it for
//! `cargo test --target wasm32-unknown-unknown` (xtask sets
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER`), and it drives headless
//! Chromium through chromedriver.

fn main() -> anyhow::Result<()> {
    wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(std::env::args_os())
}
