//! `XML`: `parse(text)`, `stringify(node)`, `decode(data)`, `encode(node)` and `XML.Node`.
//!
//! The node model is Pipy's: an element is an `XML.Node` with `name` (a string),
//! `attributes` (a plain object of strings) and `children` (an array whose items are
//! `XML.Node`s for elements and strings for text). `parse`/`decode` return the root element.
//!
//! Reading: comments, processing instructions, the declaration and the DOCTYPE are
//! dropped; entity and character references and CDATA become plain text; adjacent text is
//! merged; text made only of whitespace between elements is dropped (so an indented
//! document reads as its elements). A malformed document throws a `SyntaxError` naming the
//! byte position. Writing: no declaration, no indentation; an element with no children is
//! written as `<name/>`; `&`, `<`, `>` (and `"` in attributes) are escaped. `stringify`
//! accepts any object with the same three fields (an `XML.Node` or a plain one).

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{
    Array, Class, Coerced, Ctx, Exception, FromJs, Function, JsLifetime, Object, Result, Value,
};
use weir_engine::Data;

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use crate::api::data::new_data;

/// Deeper documents (and node trees) are refused rather than risking the native stack.
const MAX_DEPTH: usize = 1000;

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let xml = Object::new(ctx.clone())?;
    if let Some(ctor) = Class::<XmlNode>::create_constructor(ctx)? {
        xml.set("Node", ctor)?;
    }
    xml.set(
        "parse",
        Function::new(ctx.clone(), parse)?.with_name("parse")?,
    )?;
    xml.set(
        "decode",
        Function::new(ctx.clone(), decode)?.with_name("decode")?,
    )?;
    xml.set(
        "stringify",
        Function::new(ctx.clone(), stringify)?.with_name("stringify")?,
    )?;
    xml.set(
        "encode",
        Function::new(ctx.clone(), encode)?.with_name("encode")?,
    )?;
    ctx.globals().set("XML", xml)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// XML.Node

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Node")]
pub struct XmlNode<'js> {
    #[qjs(get, set)]
    name: String,
    #[qjs(get, set)]
    attributes: Value<'js>,
    #[qjs(get, set)]
    children: Value<'js>,
}

#[rquickjs::methods]
impl<'js> XmlNode<'js> {
    /// `new XML.Node(name, attributes?, children?)`: a missing (or null) `attributes` is
    /// `{}` and a missing `children` is `[]`.
    #[qjs(constructor)]
    fn new(
        ctx: Ctx<'js>,
        name: Opt<Coerced<String>>,
        attributes: Opt<Value<'js>>,
        children: Opt<Value<'js>>,
    ) -> Result<Self> {
        let attributes = match attributes.0 {
            Some(v) if v.is_object() => v,
            _ => Object::new(ctx.clone())?.into_value(),
        };
        let children = match children.0 {
            Some(v) if v.is_array() => v,
            _ => Array::new(ctx.clone())?.into_value(),
        };
        Ok(XmlNode {
            name: name.0.map(|n| n.0).unwrap_or_default(),
            attributes,
            children,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Reading

/// An element as read, before it becomes JS values.
#[derive(Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Child>,
}

enum Child {
    Text(String),
    Element(Element),
}

struct BadXml {
    at: u64,
    what: String,
}

fn bad(at: u64, what: impl Into<String>) -> BadXml {
    BadXml {
        at,
        what: what.into(),
    }
}

fn start(at: u64, e: &quick_xml::events::BytesStart<'_>) -> std::result::Result<Element, BadXml> {
    let mut el = Element {
        name: e.name().as_ref().to_owned(),
        ..Element::default()
    };
    for attr in e.attributes() {
        let attr = attr.map_err(|err| bad(at, format!("bad attribute in <{}>: {err}", el.name)))?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| bad(at, err.to_string()))?;
        el.attributes
            .push((attr.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(el)
}

/// Appends text to the open element, merging with text before it.
fn push_text(
    stack: &mut [Element],
    root_done: bool,
    at: u64,
    text: &str,
) -> std::result::Result<(), BadXml> {
    match stack.last_mut() {
        Some(el) => {
            if let Some(Child::Text(t)) = el.children.last_mut() {
                t.push_str(text);
            } else if !text.is_empty() {
                el.children.push(Child::Text(text.to_owned()));
            }
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None if root_done => Err(bad(at, "text after the root element")),
        None => Err(bad(at, "text before the root element")),
    }
}

fn read(text: &str) -> std::result::Result<Element, BadXml> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| bad(reader.error_position(), e.to_string()))?;
        match event {
            Event::Start(e) | Event::Empty(e) if stack.is_empty() && root.is_some() => {
                let _ = e;
                return Err(bad(at, "more than one root element"));
            }
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(bad(at, "elements nested too deeply"));
                }
                stack.push(start(at, &e)?);
            }
            Event::Empty(e) => {
                let el = start(at, &e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Child::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(bad(at, "unexpected end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Child::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => push_text(&mut stack, root.is_some(), at, &t.xml10_content())?,
            Event::CData(t) => {
                let s = t.xml10_content();
                if stack.is_empty() {
                    return Err(bad(at, "CDATA outside the root element"));
                }
                push_text(&mut stack, root.is_some(), at, &s)?;
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.xml10_content();
                        match &*name {
                            "amp" => "&".to_owned(),
                            "lt" => "<".to_owned(),
                            "gt" => ">".to_owned(),
                            "quot" => "\"".to_owned(),
                            "apos" => "'".to_owned(),
                            other => return Err(bad(at, format!("unknown entity '&{other};'"))),
                        }
                    }
                    Err(e) => return Err(bad(at, e.to_string())),
                };
                if stack.is_empty() {
                    return Err(bad(at, "reference outside the root element"));
                }
                push_text(&mut stack, root.is_some(), at, &c)?;
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(bad(
            text.len() as u64,
            format!("unexpected end of document: <{}> is not closed", open.name),
        ));
    }
    let mut root = root.ok_or_else(|| bad(text.len() as u64, "no root element"))?;
    drop_blank_text(&mut root);
    Ok(root)
}

/// Drops whitespace-only text from elements that also contain elements.
fn drop_blank_text(el: &mut Element) {
    if el.children.iter().any(|c| matches!(c, Child::Element(_))) {
        el.children
            .retain(|c| !matches!(c, Child::Text(t) if t.trim().is_empty()));
    }
    for c in &mut el.children {
        if let Child::Element(e) = c {
            drop_blank_text(e);
        }
    }
}

fn to_js<'js>(ctx: &Ctx<'js>, el: Element) -> Result<Value<'js>> {
    let attributes = Object::new(ctx.clone())?;
    for (k, v) in el.attributes {
        attributes.set(k, v)?;
    }
    let children = Array::new(ctx.clone())?;
    for (i, c) in el.children.into_iter().enumerate() {
        match c {
            Child::Text(t) => children.set(i, t)?,
            Child::Element(e) => children.set(i, to_js(ctx, e)?)?,
        }
    }
    let node = XmlNode {
        name: el.name,
        attributes: attributes.into_value(),
        children: children.into_value(),
    };
    Ok(Class::instance(ctx.clone(), node)?.into_value())
}

fn read_js<'js>(ctx: &Ctx<'js>, api: &str, text: &str) -> Result<Value<'js>> {
    match read(text) {
        Ok(root) => to_js(ctx, root),
        Err(e) => Err(Exception::throw_syntax(
            ctx,
            &format!("XML.{api}(): {} at position {}", e.what, e.at),
        )),
    }
}

fn parse<'js>(ctx: Ctx<'js>, text: Coerced<String>) -> Result<Value<'js>> {
    read_js(&ctx, "parse", &text.0)
}

fn decode<'js>(ctx: Ctx<'js>, input: Value<'js>) -> Result<Value<'js>> {
    let bytes = crate::api::data::input_bytes(&ctx, &input, "XML.decode()")?;
    let text = String::from_utf8_lossy(&bytes);
    read_js(&ctx, "decode", &text)
}

// ---------------------------------------------------------------------------------------
// Writing

fn escape(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

fn write<'js>(
    ctx: &Ctx<'js>,
    api: &str,
    out: &mut String,
    node: &Value<'js>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Exception::throw_range(
            ctx,
            &format!("XML.{api}(): nodes nested too deeply"),
        ));
    }
    let Some(obj) = node.as_object() else {
        return Err(Exception::throw_type(
            ctx,
            &format!(
                "XML.{api}(): expected an XML.Node, got {}",
                crate::value::type_name(node)
            ),
        ));
    };
    let name: Coerced<String> = obj.get("name")?;
    let name = name.0;
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || "<>&\"'/=".contains(c))
    {
        return Err(Exception::throw_type(
            ctx,
            &format!("XML.{api}(): invalid element name '{name}'"),
        ));
    }
    out.push('<');
    out.push_str(&name);
    if let Some(attrs) = obj.get::<_, Value>("attributes")?.into_object() {
        for prop in attrs.props::<String, Value>() {
            let (k, v) = prop?;
            if v.is_undefined() || v.is_null() {
                continue;
            }
            let v = Coerced::<String>::from_js(ctx, v)?.0;
            out.push(' ');
            out.push_str(&k);
            out.push_str("=\"");
            escape(out, &v, true);
            out.push('"');
        }
    }
    let children = obj.get::<_, Value>("children")?.into_array();
    match children {
        Some(children) if !children.is_empty() => {
            out.push('>');
            for child in children.iter::<Value>() {
                let child = child?;
                if child.is_object() {
                    write(ctx, api, out, &child, depth + 1)?;
                } else if !child.is_undefined() && !child.is_null() {
                    let s = Coerced::<String>::from_js(ctx, child)?.0;
                    escape(out, &s, false);
                }
            }
            out.push_str("</");
            out.push_str(&name);
            out.push('>');
        }
        _ => out.push_str("/>"),
    }
    Ok(())
}

fn stringify<'js>(ctx: Ctx<'js>, node: Value<'js>) -> Result<String> {
    let mut out = String::new();
    write(&ctx, "stringify", &mut out, &node, 0)?;
    Ok(out)
}

fn encode<'js>(ctx: Ctx<'js>, node: Value<'js>) -> Result<Value<'js>> {
    let mut out = String::new();
    write(&ctx, "encode", &mut out, &node, 0)?;
    new_data(&ctx, Data::from(out.into_bytes()))
}
