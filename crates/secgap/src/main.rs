fn main() {
    // Inside a coding agent's sandbox, secgap's own binary is the relay
    // to the recording proxy (see secgap_sandbox::relay).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == secgap_sandbox::relay::ARG) {
        std::process::exit(secgap_sandbox::relay::main(&args[2..]));
    }
    std::process::exit(secgap::cli::main());
}
