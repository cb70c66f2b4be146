//! A phone signed in by a pairing code, no password typed on it: the admin
//! makes the code on the People page (large, with its QR code), the phone
//! opens the QR code's address, finds the code filled in and the address
//! cleared of it, and pairs in one tap; a wrong code says so in plain
//! words, and a code works once. axe on every page.

use salama_server::auth::Role;
use salama_tests::{Browser, Site};
use serde_json::json;

#[tokio::test]
async fn a_phone_pairs_with_the_code_the_console_shows() {
    let site = Site::start().await;
    let password = site.staff("ada", Role::Admin).await;
    site.staff("enum-7", Role::Enumerator).await;

    let console = Browser::start().await;
    console.goto(&site.url("/admin/people")).await;
    console.type_into("#sign-in-name", "ada").await;
    console.type_into("#sign-in-password", &password).await;
    console.click("#sign-in").await;
    console
        .click("tr[data-person='enum-7'] button.pair-phone")
        .await;
    console.find("#pairing-title").await;
    let shown = console.text("#pairing-code").await;
    assert_eq!(shown.len(), 9, "{shown}");
    let qr = console
        .script("const i = document.getElementById('pairing-qr'); return [i.getAttribute('src').slice(0, 32), i.complete && i.naturalWidth >= 200]")
        .await;
    assert_eq!(
        qr,
        json!(["data:image/svg+xml;charset=utf-8", true]),
        "the QR code is drawn"
    );
    console.assert_accessible("console, pairing code").await;
    console.assert_fits_screen("console, pairing code").await;
    console.screenshot("console-pairing-code").await;
    let plain = shown.replace('-', "");

    // The phone: a wrong code first, typed by hand.
    let phone = Browser::start().await;
    phone.goto(&site.url("/field")).await;
    phone.type_into("#pair-code", "aaaa aaaa").await;
    phone.click("#pair").await;
    phone
        .wait_until(
            "the refusal",
            "return document.getElementById('pair-error')?.textContent.includes('Ask for a new one') === true",
        )
        .await;
    phone.assert_accessible("field, wrong code").await;

    // The QR code's address: the code is filled in, the address cleared.
    phone.goto(&site.url(&format!("/field#pair={plain}"))).await;
    phone
        .wait_until(
            "the code from the address",
            &format!(
                "return document.getElementById('pair-code')?.value === {} && location.hash === ''",
                json!(shown)
            ),
        )
        .await;
    phone.assert_accessible("field, code scanned").await;
    phone.screenshot("field-pairing-scanned").await;
    phone.type_into("#pair-label", "team 3 phone").await;
    phone.click("#pair").await;
    phone
        .wait_until(
            "signed in",
            "return document.getElementById('signed-in-as')?.textContent === 'enum-7'",
        )
        .await;
    assert!(
        site.store
            .people()
            .await
            .expect("people")
            .iter()
            .any(|person| person.name == "enum-7"
                && person
                    .devices
                    .iter()
                    .any(|device| device.label.as_deref() == Some("team 3 phone"))),
        "the paired phone is listed with its label"
    );

    // Once only: the same address on another phone pairs nothing.
    let other = Browser::start().await;
    other.goto(&site.url(&format!("/field#pair={plain}"))).await;
    other.find("#pair-code").await;
    other.click("#pair").await;
    other
        .wait_until(
            "refused",
            "return document.getElementById('pair-error')?.textContent.includes('used already') === true",
        )
        .await;
    other.close().await;
    phone.close().await;
    console.close().await;
}
