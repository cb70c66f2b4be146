fn main() {
    salama_client::mount_analysis();
}
