fn main() {
    salama_client::mount();
}
