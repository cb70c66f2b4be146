//! The device's own database (IndexedDB): interviews, the device's
//! credentials, its assignments and the survey definitions it needs offline.
//!
//! Hand-written over `web-sys` rather than a wrapper crate: the app needs
//! four calls (open, put, get, list, delete) on two key/value stores, and
//! each wrapper crate brings its own futures layer into the wasm. Values are
//! JSON text, so a record written by one build is read by the next one.
//!
//! A write resolves when its transaction has *completed*, not when the
//! request succeeded: only then is it on disk, and only then does the app
//! tell the enumerator an interview is kept.

use std::cell::RefCell;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const NAME: &str = "salama-field";
/// Raised only with an upgrade step in [`open`]; older data is kept.
/// Version 2 adds the visits' store.
const VERSION: u32 = 2;

/// One interview per key (its submission id).
pub const INTERVIEWS: &str = "interviews";
/// The device's session, assignments and survey definitions, by name.
pub const DEVICE: &str = "device";
/// One household visit per key (its visit id).
pub const VISITS: &str = "visits";

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the device's storage failed: {0}")]
pub struct StorageError(pub String);

impl From<JsValue> for StorageError {
    fn from(value: JsValue) -> Self {
        let text = value
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .or_else(|| {
                value
                    .dyn_ref::<web_sys::DomException>()
                    .map(|error| error.message())
            })
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "unknown error".to_owned());
        StorageError(text)
    }
}

thread_local! {
    static DATABASE: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Opens (once per page) the database, creating its stores on first use.
async fn database() -> Result<IdbDatabase, StorageError> {
    if let Some(open) = DATABASE.with(|db| db.borrow().clone()) {
        return Ok(open);
    }
    let factory = web_sys::window()
        .ok_or_else(|| StorageError("no window".into()))?
        .indexed_db()?
        .ok_or_else(|| StorageError("IndexedDB is not available".into()))?;
    let request = factory.open_with_u32(NAME, VERSION)?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(request) = event
            .target()
            .and_then(|target| target.dyn_into::<IdbRequest>().ok())
        else {
            return;
        };
        let Ok(database) = request.result().and_then(|db| db.dyn_into::<IdbDatabase>()) else {
            return;
        };
        let existing = database.object_store_names();
        for store in [INTERVIEWS, DEVICE, VISITS] {
            if !existing.contains(store) {
                let _ = database.create_object_store(store);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = settle(request.unchecked_ref()).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    let database: IdbDatabase = opened?.dyn_into()?;
    // Another tab (or a new build) upgrading the database: step aside.
    let closing = database.clone();
    let on_version_change = Closure::<dyn FnMut()>::new(move || {
        closing.close();
        DATABASE.with(|db| db.borrow_mut().take());
    });
    database.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    DATABASE.with(|db| *db.borrow_mut() = Some(database.clone()));
    Ok(database)
}

/// Resolves with a request's result, or fails with its error.
async fn settle(request: &IdbRequest) -> Result<JsValue, StorageError> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    Ok(request.result()?)
}

/// Resolves when a transaction has completed (durably written).
async fn committed(transaction: &IdbTransaction) -> Result<(), StorageError> {
    let promise = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|error| match transaction.error() {
            Some(cause) => StorageError(cause.message()),
            None => error.into(),
        })
}

async fn store(
    name: &str,
    mode: IdbTransactionMode,
) -> Result<(IdbTransaction, IdbObjectStore), StorageError> {
    let database = database().await?;
    let transaction = database.transaction_with_str_and_mode(name, mode)?;
    let store = transaction.object_store(name)?;
    Ok((transaction, store))
}

/// Writes several values in one transaction: all are kept, or none.
pub async fn put_all(name: &str, entries: &[(String, String)]) -> Result<(), StorageError> {
    let (transaction, store) = store(name, IdbTransactionMode::Readwrite).await?;
    for (key, value) in entries {
        store.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))?;
    }
    committed(&transaction).await
}

pub async fn put(name: &str, key: &str, value: &str) -> Result<(), StorageError> {
    put_all(name, &[(key.to_owned(), value.to_owned())]).await
}

pub async fn get(name: &str, key: &str) -> Result<Option<String>, StorageError> {
    let (_, store) = store(name, IdbTransactionMode::Readonly).await?;
    let value = settle(&store.get(&JsValue::from_str(key))?).await?;
    Ok(value.as_string())
}

/// Every value in a store, in key order.
pub async fn all(name: &str) -> Result<Vec<String>, StorageError> {
    let (_, store) = store(name, IdbTransactionMode::Readonly).await?;
    let values: Array = settle(&store.get_all()?).await?.dyn_into()?;
    Ok(values
        .iter()
        .filter_map(|value| value.as_string())
        .collect())
}

pub async fn delete(name: &str, key: &str) -> Result<(), StorageError> {
    let (transaction, store) = store(name, IdbTransactionMode::Readwrite).await?;
    store.delete(&JsValue::from_str(key))?;
    committed(&transaction).await
}

/// Asks the browser not to evict this site's storage under pressure (a
/// phone full of photos must not cost a week of interviews). Browsers may
/// say no; the answer is shown to the enumerator.
pub async fn ask_persistence() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let granted = JsFuture::from(storage.persist().ok()?).await.ok()?;
    granted.as_bool()
}
