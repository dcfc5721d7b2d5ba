//! Era-C modules: ES `import`/`export`, `var $x` fiber variables and a top-level `return`,
//! turned into a plain function body that QuickJS runs like the legacy modules.
//!
//! The module body is wrapped as
//! `(function (__exports, __import) { with (scope) { <imports> <export accessors> <body> } })`:
//! - each `import ... from 'x'` becomes one `__import('x')` call at the top (dependencies
//!   run first, as in ESM), and every reference to an imported binding is rewritten to read
//!   the exporter's exports object (`__weir_i0.name`), so bindings stay live and circular
//!   imports work once the cycle has finished loading;
//! - exports become accessors on the module's exports object (defined before the body runs,
//!   so a module that imports this one while it is still loading sees them);
//! - `var $x` declarations are listed so the loader can make `$x` a per-stream slot on the
//!   module's scope object (like a context variable), resolved through `with (scope)`.
//!
//! Line numbers are kept: removed declarations leave their newlines behind and everything
//! added goes on the first line.

use std::collections::HashMap;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Declaration, ExportDefaultDeclarationKind, ImportDeclarationSpecifier, ModuleDeclaration,
    ModuleExportName,
};
use oxc_ast::AstKind;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::SemanticBuilder;
use oxc_span::{GetSpan, SourceType};

/// A module rewritten to run as a function body.
pub struct Transformed {
    /// `(function (__exports, __import) { with (...) { ... } })`, to evaluate as a script.
    pub code: String,
    /// Names of the `var $x` fiber variables it declares.
    pub fiber_vars: Vec<String>,
}

/// Whether a file needs this transform: it has `import`/`export` statements, `var $x`
/// declarations or a top-level `return`. Other files run as legacy scripts.
pub fn is_module(source: &str) -> bool {
    let mut depth = 0i32;
    for line in source.lines() {
        let t = line.trim_start();
        if depth == 0
            && (t.starts_with("import ")
                || t.starts_with("import{")
                || t.starts_with("export ")
                || t.starts_with("return ")
                || t == "return")
        {
            return true;
        }
        if t.contains("var $") {
            return true;
        }
        for c in line.chars() {
            match c {
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' => depth -= 1,
                _ => {}
            }
        }
    }
    false
}

fn line_col(source: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, col)
}

fn export_name(n: &ModuleExportName<'_>) -> String {
    match n {
        ModuleExportName::IdentifierName(i) => i.name.to_string(),
        ModuleExportName::IdentifierReference(i) => i.name.to_string(),
        ModuleExportName::StringLiteral(s) => s.value.to_string(),
    }
}

fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Keeps only the newlines of `text`, so line numbers after it do not move.
fn blank(text: &str) -> String {
    text.chars().filter(|c| *c == '\n').collect()
}

/// Rewrites `source` (shown in errors as `file`); `scope` is the JS expression of the
/// module's scope object.
pub fn transform(source: &str, file: &str, scope: &str) -> Result<Transformed, String> {
    let allocator = Allocator::default();
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(&allocator, source, SourceType::mjs())
        .with_options(options)
        .parse();
    if let Some(err) = ret.diagnostics.errors().next() {
        let at = err.labels.first().map(|l| l.offset()).unwrap_or(0);
        let (line, col) = line_col(source, at);
        return Err(format!("{file}:{line}:{col}: SyntaxError: {}", err.message));
    }
    let program = &ret.program;
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(program)
        .semantic;
    let scoping = semantic.scoping();
    let nodes = semantic.nodes();

    let mut edits: Vec<(u32, u32, String)> = Vec::new();
    let mut header = String::new();
    // local binding name → expression that reads it from the exporter
    let mut imported: HashMap<String, String> = HashMap::new();
    let mut import_symbols = Vec::new();
    let mut exports: Vec<(String, String)> = Vec::new();
    let mut counter = 0usize;

    for stmt in &program.body {
        let Some(decl) = stmt.as_module_declaration() else {
            continue;
        };
        let span = decl.span();
        let text = &source[span.start as usize..span.end as usize];
        match decl {
            ModuleDeclaration::ImportDeclaration(d) => {
                let var = format!("__weir_i{counter}");
                counter += 1;
                // The names it needs are checked once the exporter has loaded.
                let needed: Vec<String> = d
                    .specifiers
                    .iter()
                    .flatten()
                    .filter_map(|s| match s {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => {
                            Some(js_string(&export_name(&s.imported)))
                        }
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => {
                            Some("'default'".to_string())
                        }
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => None,
                    })
                    .collect();
                let (line, _) = line_col(source, span.start);
                header.push_str(&format!(
                    "var {var} = __import({}, [{}], {line});",
                    js_string(&d.source.value),
                    needed.join(", ")
                ));
                for spec in d.specifiers.iter().flatten() {
                    let (local, expr) = match spec {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => (
                            &s.local,
                            format!("{var}[{}]", js_string(&export_name(&s.imported))),
                        ),
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                            (&s.local, format!("{var}.default"))
                        }
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                            (&s.local, var.clone())
                        }
                    };
                    imported.insert(local.name.to_string(), expr.clone());
                    if let Some(sym) = local.symbol_id.get() {
                        import_symbols.push((sym, expr));
                    }
                }
                edits.push((span.start, span.end, blank(text)));
            }
            ModuleDeclaration::ExportDeclaration(d) => {
                // `export var/function/class ...`: keep the declaration, drop `export`.
                let inner = d.declaration.span();
                edits.push((
                    span.start,
                    inner.start,
                    blank(&source[span.start as usize..inner.start as usize]),
                ));
                match &d.declaration {
                    Declaration::VariableDeclaration(v) => {
                        for declarator in &v.declarations {
                            for id in declarator.id.get_binding_identifiers() {
                                exports.push((id.name.to_string(), id.name.to_string()));
                            }
                        }
                    }
                    Declaration::FunctionDeclaration(f) => {
                        if let Some(id) = &f.id {
                            exports.push((id.name.to_string(), id.name.to_string()));
                        }
                    }
                    Declaration::ClassDeclaration(c) => {
                        if let Some(id) = &c.id {
                            exports.push((id.name.to_string(), id.name.to_string()));
                        }
                    }
                    _ => {}
                }
            }
            ModuleDeclaration::ExportNamedDeclaration(d) => {
                for s in &d.specifiers {
                    exports.push((export_name(&s.exported), export_name(&s.local)));
                }
                edits.push((span.start, span.end, blank(text)));
            }
            ModuleDeclaration::ExportFromDeclaration(d) => {
                let var = format!("__weir_i{counter}");
                counter += 1;
                header.push_str(&format!(
                    "var {var} = __import({});",
                    js_string(&d.source.value)
                ));
                for s in &d.specifiers {
                    let from = export_name(&s.local);
                    let expr = if from == "default" {
                        format!("{var}.default")
                    } else {
                        format!("{var}[{}]", js_string(&from))
                    };
                    exports.push((export_name(&s.exported), expr));
                }
                edits.push((span.start, span.end, blank(text)));
            }
            ModuleDeclaration::ExportAllDeclaration(d) => {
                let var = format!("__weir_i{counter}");
                counter += 1;
                header.push_str(&format!(
                    "var {var} = __import({});",
                    js_string(&d.source.value)
                ));
                match &d.exported {
                    Some(name) => exports.push((export_name(name), var.clone())),
                    None => header.push_str(&format!("__weir_reexport(__exports, {var});")),
                }
                edits.push((span.start, span.end, blank(text)));
            }
            ModuleDeclaration::ExportDefaultDeclaration(d) => match &d.declaration {
                ExportDefaultDeclarationKind::FunctionDeclaration(f) if f.id.is_some() => {
                    let inner = f.span();
                    edits.push((
                        span.start,
                        inner.start,
                        blank(&source[span.start as usize..inner.start as usize]),
                    ));
                    if let Some(id) = &f.id {
                        exports.push(("default".to_string(), id.name.to_string()));
                    }
                }
                ExportDefaultDeclarationKind::ClassDeclaration(c) if c.id.is_some() => {
                    let inner = c.span();
                    edits.push((
                        span.start,
                        inner.start,
                        blank(&source[span.start as usize..inner.start as usize]),
                    ));
                    if let Some(id) = &c.id {
                        exports.push(("default".to_string(), id.name.to_string()));
                    }
                }
                other => {
                    let inner = other.span();
                    edits.push((span.start, inner.start, "__exports.default = (".to_string()));
                    edits.push((
                        inner.end,
                        span.end,
                        format!("){}", if text.ends_with(';') { ";" } else { "" }),
                    ));
                }
            },
            _ => {}
        }
    }

    // References to imported bindings read the exporter's object at run time.
    let removed: Vec<(u32, u32)> = edits.iter().map(|e| (e.0, e.1)).collect();
    for (sym, expr) in &import_symbols {
        for &rid in scoping.get_resolved_reference_ids(*sym) {
            let node_id = scoping.get_reference(rid).node_id();
            let span = nodes.get_node(node_id).kind().span();
            if removed
                .iter()
                .any(|(a, b)| span.start >= *a && span.end <= *b)
            {
                continue;
            }
            let name = &source[span.start as usize..span.end as usize];
            let repl = match nodes.parent_kind(node_id) {
                AstKind::ObjectProperty(p) if p.shorthand => format!("{name}: {expr}"),
                _ => expr.clone(),
            };
            edits.push((span.start, span.end, repl));
        }
    }

    // Fiber variables: every `var $x` (not a name made only of `$`), at any depth.
    let mut fiber_vars: Vec<String> = Vec::new();
    for node in nodes.iter() {
        if let AstKind::VariableDeclarator(d) = node.kind() {
            for id in d.id.get_binding_identifiers() {
                let name = id.name.to_string();
                if name.starts_with('$')
                    && !name.chars().all(|c| c == '$')
                    && !fiber_vars.contains(&name)
                {
                    fiber_vars.push(name);
                }
            }
        }
    }

    for (name, local) in &exports {
        let expr = imported
            .get(local)
            .cloned()
            .unwrap_or_else(|| local.clone());
        header.push_str(&format!(
            "__weir_export(__exports, {}, function () {{ return {expr}; }});",
            js_string(name)
        ));
    }

    edits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut body = source.to_string();
    let mut last = u32::MAX;
    for (start, end, repl) in edits {
        if end > last {
            continue; // overlapping edit (should not happen); keep the later one
        }
        body.replace_range(start as usize..end as usize, &repl);
        last = start;
    }
    if let Some(hb) = &program.hashbang {
        let s = hb.span;
        body.replace_range(s.start as usize..s.start as usize + 2, "//");
    }
    let code =
        format!("(function (__exports, __import) {{ with ({scope}) {{ {header}{body}\n}} }})");
    Ok(Transformed { code, fiber_vars })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_modules() {
        assert!(is_module("import x from './a.js'\n"));
        assert!(is_module("var $conn\npipy.listen(1, $=>$)"));
        assert!(is_module("return pipy.exit(1)"));
        assert!(!is_module("pipy()\n  .export('ns', {})\n  .listen(8080)"));
        assert!(!is_module("((x = () => {\n  return 1\n}) => pipy())()"));
    }

    #[test]
    fn rewrites_imports_and_exports() {
        let src = "import a, { b as c } from './m.js'\nimport * as ns from './n.js'\nexport var x = a + c\nexport function f() { return { c } }\nexport { x as y }\nexport default 42\n";
        let t = transform(src, "t.js", "S").expect("transforms");
        let code = &t.code;
        assert!(
            code.contains("var __weir_i0 = __import('./m.js', ['default', 'b'], 1);"),
            "{code}"
        );
        assert!(
            code.contains("var __weir_i1 = __import('./n.js', [], 2);"),
            "{code}"
        );
        assert!(code.contains("var x = __weir_i0.default + __weir_i0['b']"));
        assert!(code.contains("return { c: __weir_i0['b'] }"));
        assert!(code.contains("__weir_export(__exports, 'y', function () { return x; });"));
        assert!(code.contains("__exports.default = (42)"));
        // line numbers are kept: the body has as many lines as the source
        assert_eq!(code.matches('\n').count(), src.matches('\n').count() + 1);
    }

    #[test]
    fn finds_fiber_variables_and_allows_return() {
        let src = "var $conn, other\nif (1) { var $x = 2 }\nvar $ = 1\nreturn\n";
        let t = transform(src, "t.js", "S").expect("transforms");
        assert_eq!(t.fiber_vars, vec!["$conn".to_string(), "$x".to_string()]);
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = transform("var a = \nexport {", "bad.js", "S")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("bad.js:2:"), "{err}");
    }
}
