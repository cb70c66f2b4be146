fn main() {
    salama_client::mount_admin();
}
