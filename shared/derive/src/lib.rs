//! `#[derive(FromJson)]` for the structs the browser bundles read: the
//! reader of `salama_shared::json`, generated from the same `#[serde(...)]`
//! attributes the serde derive reads, so field names, defaults and
//! `deny_unknown_fields` have one source of truth.
//!
//! A proc-macro rather than `macro_rules!`: a `macro_rules!` wrapper would
//! have to re-parse every attribute of every field (doc comments,
//! `validate`, `cfg_attr`, `serde(default, skip_serializing_if = …)`) to
//! find `default`, and wrap the definitions it reads. This derive sits
//! beside `Deserialize` and understands exactly what serde does for these
//! types: `default` (field), `rename`, `deserialize_with`,
//! `deny_unknown_fields` (container). A field serde reads `deserialize_with`
//! a function must name its reader's twin, `#[from_json(with = "…")]`,
//! taking the field's `serde_json::Value`: calling serde's function with the
//! `Value` as deserializer would link serde's error machinery, and with it
//! core's float printer, into the browser (the reader's tests hold the twins
//! to serde). Anything else that changes what serde
//! reads (`flatten`, `alias`, container `default`, `rename_all`, `with`,
//! `transparent`) is refused at compile time, so the two cannot drift
//! silently. The generated code is one non-generic function per struct that
//! calls a handful of shared helpers; that is what keeps the wasm small.

use proc_macro::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, parse_macro_input};

#[proc_macro_derive(FromJson, attributes(from_json))]
pub fn derive_from_json(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

struct Field {
    ident: syn::Ident,
    name: String,
    default: bool,
    /// serde's `deserialize_with`: only its presence matters here.
    serde_with: bool,
    /// The reader's own function for that field.
    with: Option<syn::Path>,
}

fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "FromJson is derived for structs with named fields only",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            input,
            "FromJson is derived for structs with named fields only",
        ));
    };
    let mut deny_unknown = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("deny_unknown_fields") {
                deny_unknown = true;
                Ok(())
            } else {
                Err(meta.error("FromJson does not read this serde container attribute"))
            }
        })?;
    }
    let mut fields = Vec::new();
    for field in &named.named {
        let ident = field.ident.clone().expect("named field");
        let mut read = Field {
            name: ident.to_string(),
            ident,
            default: false,
            serde_with: false,
            with: None,
        };
        for attr in field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("from_json"))
        {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("with") {
                    read.with = Some(meta.value()?.parse::<LitStr>()?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error("FromJson reads `from_json(with = \"…\")` only"))
                }
            })?;
        }
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    if meta.input.peek(syn::Token![=]) {
                        return Err(meta.error("FromJson reads a bare `default` only"));
                    }
                    read.default = true;
                } else if meta.path.is_ident("rename") {
                    read.name = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("deserialize_with") {
                    let _: LitStr = meta.value()?.parse()?;
                    read.serde_with = true;
                } else if meta.path.is_ident("skip_serializing_if") {
                    // Writing only.
                    let _: LitStr = meta.value()?.parse()?;
                } else {
                    return Err(meta.error("FromJson does not read this serde field attribute"));
                }
                Ok(())
            })?;
        }
        if read.serde_with != read.with.is_some() {
            return Err(syn::Error::new_spanned(
                field,
                "a field read `deserialize_with` a function needs `#[from_json(with = \"…\")]`, and only it",
            ));
        }
        fields.push(read);
    }
    let name = &input.ident;
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    // serde's positional (array) form ends at the last field without a
    // default: a shorter array is refused.
    let least = fields.iter().rposition(|f| !f.default).map_or(0, |i| i + 1);
    let reads = fields.iter().map(|field| {
        let ident = &field.ident;
        let key = &field.name;
        let read = match (&field.with, field.default) {
            (Some(with), true) => {
                quote! { json::field_with_default(&mut map, #key, #with)? }
            }
            (Some(with), false) => {
                quote! { json::field_with(&mut map, #key, #with)? }
            }
            (None, true) => quote! { json::field_or_default(&mut map, #key)? },
            (None, false) => quote! { json::field(&mut map, #key)? },
        };
        quote! { #ident: #read, }
    });
    let rest = if deny_unknown {
        quote! { json::refuse_rest(map)?; }
    } else {
        quote! {}
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics crate::json::FromJson for #name #ty_generics #where_clause {
            fn read(value: crate::json::Value) -> ::core::result::Result<Self, crate::json::ReadError> {
                use crate::json;
                const FIELDS: &[&str] = &[#(#names),*];
                let mut map = json::object(value, FIELDS, #least)?;
                let read = Self { #(#reads)* };
                #rest
                ::core::result::Result::Ok(read)
            }
        }
    })
}
