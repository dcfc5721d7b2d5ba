use super::*;

fn router(routes: &[(&str, &'static str)]) -> UrlRouter<&'static str> {
    match UrlRouter::from_routes(routes.iter().copied()) {
        Ok(r) => r,
        Err(e) => panic!("bad test routes: {e}"),
    }
}

#[test]
fn exact_path_routes() {
    let r = router(&[("/foo", "foo"), ("/bar", "bar"), ("/", "root")]);
    assert_eq!(r.find(&["/foo"]), Some(&"foo"));
    assert_eq!(r.find(&["/bar"]), Some(&"bar"));
    assert_eq!(r.find(&["/"]), Some(&"root"));
    assert_eq!(r.find(&["/foo/"]), None);
    assert_eq!(r.find(&["/fo"]), None);
    assert_eq!(r.find(&["/Foo"]), None, "paths are case-sensitive");
    assert_eq!(r.len(), 3);
}

#[test]
fn prefix_route_matches_itself_and_below() {
    let r = router(&[("/api/*", "api")]);
    for url in ["/api", "/api/", "/api/v1", "/api/v1/users/7"] {
        assert_eq!(r.find(&[url]), Some(&"api"), "{url}");
    }
    for url in ["/apix", "/", "/ap", "/x/api"] {
        assert_eq!(r.find(&[url]), None, "{url}");
    }
}

#[test]
fn exact_beats_prefix_and_longest_prefix_wins() {
    let r = router(&[
        ("/*", "all"),
        ("/a/*", "a"),
        ("/a/b/*", "ab"),
        ("/a/b", "exact-ab"),
    ]);
    assert_eq!(r.find(&["/a/b"]), Some(&"exact-ab"));
    assert_eq!(r.find(&["/a/b/"]), Some(&"ab"));
    assert_eq!(r.find(&["/a/b/c"]), Some(&"ab"));
    assert_eq!(r.find(&["/a/c"]), Some(&"a"));
    assert_eq!(r.find(&["/a"]), Some(&"a"));
    assert_eq!(r.find(&["/x"]), Some(&"all"));
    assert_eq!(r.find(&["/"]), Some(&"all"));
}

#[test]
fn walk_backs_off_to_the_deepest_star_seen() {
    let r = router(&[("/a/*", "a"), ("/a/b/c/*", "abc")]);
    assert_eq!(r.find(&["/a/b/x"]), Some(&"a"));
    assert_eq!(r.find(&["/a/b"]), Some(&"a"));
    assert_eq!(r.find(&["/a/b/c"]), Some(&"abc"));
    assert_eq!(r.find(&["/a/b/c/d/e"]), Some(&"abc"));
}

#[test]
fn empty_pattern_segments_are_ignored_but_double_slash_in_url_stops() {
    let r = router(&[("/a//b/*", "ab")]);
    assert_eq!(r.find(&["/a/b/x"]), Some(&"ab"));
    assert_eq!(r.find(&["/a//b/x"]), None);
}

#[test]
fn query_and_port_are_ignored() {
    let r = router(&[("example.com/x", "x"), ("/y/*", "y")]);
    assert_eq!(r.find(&["example.com/x?a=1"]), Some(&"x"));
    assert_eq!(r.find(&["example.com:8080/x"]), Some(&"x"));
    assert_eq!(r.find(&["example.com:8080/x?q=/z"]), Some(&"x"));
    assert_eq!(r.find(&["/y?x"]), Some(&"y"));
    assert_eq!(r.find(&["/y/z?x/"]), Some(&"y"));
}

#[test]
fn host_routes_take_precedence_then_fall_back() {
    let r = router(&[
        ("example.com/*", "host-any"),
        ("example.com/x", "host-x"),
        ("/*", "any"),
        ("/z", "z"),
    ]);
    assert_eq!(r.find(&["example.com", "/x"]), Some(&"host-x"));
    assert_eq!(r.find(&["example.com", "/z"]), Some(&"host-any"));
    assert_eq!(r.find(&["other.com", "/z"]), Some(&"z"));
    assert_eq!(r.find(&["other.com", "/q"]), Some(&"any"));
    assert_eq!(r.find(&["/z"]), Some(&"z"));
}

#[test]
fn host_without_matching_path_falls_back_to_hostless() {
    let r = router(&[("example.com/x", "host-x"), ("/y", "y")]);
    assert_eq!(r.find(&["example.com/y"]), Some(&"y"));
}

#[test]
fn wildcard_host_replaces_exactly_the_first_label() {
    let r = router(&[
        ("*.example.com/x/*", "wild"),
        ("www.example.com/x/a", "www-a"),
    ]);
    assert_eq!(r.find(&["www.example.com/x/a"]), Some(&"www-a"));
    assert_eq!(r.find(&["www.example.com/x/b"]), Some(&"wild"));
    assert_eq!(r.find(&["api.example.com/x"]), Some(&"wild"));
    assert_eq!(r.find(&["example.com/x/1"]), None);
    assert_eq!(r.find(&["a.b.example.com/x/1"]), None);
    assert_eq!(r.find(&["api.example.com/y"]), None);
}

#[test]
fn exact_host_without_path_match_tries_wildcard_host() {
    let r = router(&[("www.example.com/a", "www-a"), ("*.example.com/*", "wild")]);
    assert_eq!(r.find(&["www.example.com/b"]), Some(&"wild"));
}

#[test]
fn host_matching_is_case_insensitive() {
    let r = router(&[("Example.COM/x", "x"), ("*.Example.com/y", "y")]);
    assert_eq!(r.find(&["example.com/x"]), Some(&"x"));
    assert_eq!(r.find(&["EXAMPLE.com:80/x"]), Some(&"x"));
    assert_eq!(r.find(&["WWW.EXAMPLE.COM/y"]), Some(&"y"));
    assert_eq!(r.find(&["example.com/X"]), None);
}

#[test]
fn segments_are_path_joined() {
    let r = router(&[("example.com/a/b", "ab"), ("/c/d", "cd")]);
    assert_eq!(r.find(&["example.com", "a/b"]), Some(&"ab"));
    assert_eq!(r.find(&["example.com/", "/a/b"]), Some(&"ab"));
    assert_eq!(r.find(&["example.com", "/a", "b"]), Some(&"ab"));
    assert_eq!(r.find(&["", "/c/d"]), Some(&"cd"));
    assert_eq!(r.find(&["/c", "d"]), Some(&"cd"));
}

#[test]
fn mid_pattern_star_is_literal_and_leaves_a_valueless_node() {
    let r = router(&[("/a/*/c/*", "acx"), ("/*", "all")]);
    assert_eq!(r.find(&["/a/*/c/z"]), Some(&"acx"));
    // Pipy stops at the value-less intermediate `*` node and answers undefined.
    assert_eq!(r.find(&["/a/x"]), None);
    assert_eq!(r.find(&["/b"]), Some(&"all"));
}

#[test]
fn adding_again_replaces() {
    let mut r = UrlRouter::new();
    assert_eq!(r.add("/x", 1), Ok(None));
    assert_eq!(r.add("/x", 2), Ok(Some(1)));
    assert_eq!(r.find(&["/x"]), Some(&2));
    assert_eq!(r.len(), 1);
}

#[test]
fn malformed_patterns_are_errors() {
    let mut r = UrlRouter::new();
    for bad in ["", "*", "foo", "example.com", "example.com:80/x", ":/x"] {
        match r.add(bad, 0) {
            Err(AlgoError::InvalidPattern { pattern, .. }) => assert_eq!(pattern, bad),
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    assert!(r.is_empty());
}

#[test]
fn odd_lookups_do_not_panic() {
    let r = router(&[("/a/*", "a"), ("*.x.com/*", "x"), ("é.com/*", "e")]);
    for url in [
        "",
        "?",
        ":",
        "/",
        "//",
        "?/",
        ":/",
        "..",
        "./",
        "a.:/",
        "é.com/ü",
        "É.com/x",
        "[::1]:80/a",
        "[::1]/a",
        "/a?",
        "/a#x",
        "\u{0}/a",
    ] {
        let _ = r.find(&[url]);
    }
    let long = "/a".repeat(10_000);
    assert_eq!(r.find(&[&long]), Some(&"a"));
    let many_labels = format!("{}x.com/q", "w.".repeat(10_000));
    assert_eq!(r.find(&[&many_labels]), None);
    assert_eq!(r.find(&[]), None);
    assert_eq!(r.find(&["é.com/ü"]), Some(&"e"));
}

#[test]
fn no_path_means_no_match() {
    let r = router(&[("/*", "all")]);
    assert_eq!(r.find(&["example.com"]), None);
    assert_eq!(r.find(&["example.com?x"]), None);
}

/// Random patterns and lookups over a hostile alphabet: errors are fine, panics are not.
#[test]
fn random_patterns_and_urls_never_panic() {
    const ALPHABET: [&str; 12] = [
        "/", ".", "*", ":", "?", "a", "B", "é", "", "//", "x.y", "80",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let random_text = |next: &mut dyn FnMut() -> u64| {
        let len = next() % 9;
        (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect::<String>()
    };
    let mut r = UrlRouter::new();
    for i in 0..2000 {
        let p = random_text(&mut next);
        let _ = r.add(&p, i);
    }
    for _ in 0..20_000 {
        let a = random_text(&mut next);
        let b = random_text(&mut next);
        let _ = r.find(&[&a, &b]);
        let _ = r.find_url(&a);
    }
}
