//! What `relaylab policy show` prints: `cargo run -p relaypolicy --example policy_show --
//! [--json] FILE...`. Exit 2 on bad input, with the miette diagnostic.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut json = false;
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--json" {
            json = true;
        } else {
            files.push(PathBuf::from(a));
        }
    }
    match relaypolicy::import::load_files(files.iter().map(PathBuf::as_path)) {
        Ok(set) if json => {
            println!("{}", relaypolicy::show::render_json(&set));
            ExitCode::SUCCESS
        }
        Ok(set) => {
            print!("{}", relaypolicy::show::render_text(&set));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}
