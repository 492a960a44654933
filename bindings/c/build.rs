// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Build script of the C ABI:
//!
//! 1. refuses to build when an exported (`no_mangle`) function does not run its
//!    whole body under the panic guard (`guard(...)` as its only expression), or
//!    its doc comment does not state its thread-safety or, for an `unsafe fn`, has
//!    no numbered `# Safety` list;
//! 2. generates the header with cbindgen (`cbindgen.toml`) into
//!    `<target>/<profile>/include/sfjwt.h`, which `make c-test` compares with the
//!    committed `include/sfjwt.h`;
//! 3. gives the shared library its SONAME, `libsfjwt.so.0`, and puts the link
//!    `libsfjwt.so.0 -> libsfjwt.so` beside it, so that a program linked against
//!    `<target>/<profile>/libsfjwt.so` also runs from the build tree.

use std::path::{Path, PathBuf};

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    check_panic_guards(&crate_dir.join("src"));
    generate_header(&crate_dir);

    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux") | Ok("freebsd") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsfjwt.so.0");
            link_soname_beside_the_library();
        }
        Ok("macos") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libsfjwt.0.dylib")
        }
        _ => {}
    }
}

/// Every `#[no_mangle]` / `#[unsafe(no_mangle)]` function must be documented and
/// consist of exactly one expression: a call of `guard`.
fn check_panic_guards(src: &Path) {
    let mut files = Vec::new();
    collect_rust_files(src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read source file");
        let syntax = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", file.display()));
        check_items(file, &syntax.items, &mut problems);
    }
    if !problems.is_empty() {
        panic!(
            "exported functions must be documented and run their whole body under \
             `guard(|| ...)`:\n  {}",
            problems.join("\n  ")
        );
    }
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect_rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

fn check_items(file: &Path, items: &[syn::Item], problems: &mut Vec<String>) {
    for item in items {
        match item {
            syn::Item::Fn(function) if is_exported(&function.attrs) => {
                let name = function.sig.ident.to_string();
                let shown = file
                    .iter()
                    .skip_while(|part| *part != "src")
                    .collect::<PathBuf>();
                let at = format!("bindings/c/{}: {name}", shown.display());
                let docs = doc_text(&function.attrs);
                if docs.trim().is_empty() {
                    problems.push(format!("{at} has no doc comment"));
                } else if !docs.contains("Thread-safety:") {
                    problems.push(format!(
                        "{at}: its doc comment does not state Thread-safety:"
                    ));
                }
                if function.sig.unsafety.is_some()
                    && !(docs.contains("# Safety") && docs.contains("\n 1. "))
                {
                    problems.push(format!(
                        "{at} is unsafe but its doc comment has no numbered `# Safety` list"
                    ));
                }
                if function.sig.abi.is_none() {
                    problems.push(format!("{at} is not extern \"C\""));
                }
                if !is_guard_call(&function.block) {
                    problems.push(format!("{at} does not run under guard()"));
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    check_items(file, items, problems);
                }
            }
            syn::Item::Static(item) if is_exported(&item.attrs) => {
                problems.push(format!(
                    "{}: static {} is exported; export functions only",
                    file.display(),
                    item.ident
                ));
            }
            _ => {}
        }
    }
}

/// The text of the `///` comments.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs {
        if let syn::Meta::NameValue(syn::MetaNameValue {
            path,
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(line),
                    ..
                }),
            ..
        }) = &attr.meta
            && path.is_ident("doc")
        {
            text.push_str(&line.value());
            text.push('\n');
        }
    }
    text
}

/// `#[no_mangle]`, `#[unsafe(no_mangle)]` or `#[export_name = ...]`.
fn is_exported(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("no_mangle") || path.is_ident("export_name") {
            return true;
        }
        if path.is_ident("unsafe") {
            let inner = attr
                .meta
                .require_list()
                .map(|list| list.tokens.to_string())
                .unwrap_or_default();
            return inner.contains("no_mangle") || inner.contains("export_name");
        }
        false
    })
}

fn is_guard_call(block: &syn::Block) -> bool {
    let [syn::Stmt::Expr(syn::Expr::Call(call), None)] = block.stmts.as_slice() else {
        return false;
    };
    matches!(
        call.func.as_ref(),
        syn::Expr::Path(path)
            if path.path.segments.last().is_some_and(|s| s.ident == "guard")
    )
}

/// The dynamic loader looks for the SONAME, `libsfjwt.so.0`; cargo writes
/// `libsfjwt.so`. The link is made before the library exists (this script runs
/// first) and resolves once cargo has written it.
fn link_soname_beside_the_library() {
    let Some(profile_dir) = profile_dir() else {
        return;
    };
    let link = profile_dir.join("libsfjwt.so.0");
    if std::fs::symlink_metadata(&link).is_err() {
        #[cfg(unix)]
        std::os::unix::fs::symlink("libsfjwt.so", &link).expect("link libsfjwt.so.0");
    }
}

/// `<target>/<profile>`, from OUT_DIR (`<target>/<profile>/build/sfjwt-c-<hash>/out`).
fn profile_dir() -> Option<PathBuf> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    out_dir.ancestors().nth(3).map(Path::to_path_buf)
}

fn generate_header(crate_dir: &Path) {
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("bindings/c/cbindgen.toml");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let header = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    header.write_to_file(out_dir.join("sfjwt.h"));
    if let Some(profile_dir) = profile_dir() {
        let include = profile_dir.join("include");
        std::fs::create_dir_all(&include).expect("create <target>/<profile>/include");
        header.write_to_file(include.join("sfjwt.h"));
    }
}
