//! The `redsim` binary: a thin shell over [`redsim::cli`].

fn main() -> std::process::ExitCode {
    redsim::cli::main()
}
