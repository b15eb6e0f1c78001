fn main() {
    std::process::exit(secgap::cli::main());
}
