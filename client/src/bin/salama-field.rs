fn main() {
    salama_client::mount_field();
}
