//! End-to-end tests of Salama. They start the real `salama` binary and drive it
//! over HTTP and through headless Chromium; they arrive with the server and
//! client issues.
