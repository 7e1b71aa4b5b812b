use super::*;

#[test]
fn every_loop_body_starts_with_a_step_and_whitespace_control_is_kept() {
    let src = "a{% for x in xs %}{{ x }}{%- for y in ys -%}\n b {%- endfor %}{% endfor %}{# {% for %} #}{% raw %}{% for z in zs %}{% endraw %}";
    let (out, inj) = instrument(src, None);
    assert_eq!(
        out,
        "a{% for x in xs %}{{ diaoyan_loop_step() }}{{ x }}{{ diaoyan_check() }}{%- for y in ys -%}{{ diaoyan_loop_step() -}}\n b {%- endfor %}{{ diaoyan_check() }}{% endfor %}{{ diaoyan_check() }}{# {% for %} #}{% raw %}{% for z in zs %}{% endraw %}"
    );
    assert_eq!(inj.len(), 5);
    assert_eq!(inj[0].tag, 1);
    assert_eq!(
        &out[inj[2].at..inj[2].at + inj[2].len],
        "{{ diaoyan_loop_step() -}}"
    );
}

#[test]
fn sets_are_checked_and_strings_in_tags_do_not_end_them() {
    let src = "{%- set a = \"}}%}\" -%}{% set b %}x{% endset %}{% if a %}{% break %}{% endif %}";
    let (out, _) = instrument(src, None);
    assert_eq!(
        out,
        "{%- set a = \"}}%}\" -%}{{ diaoyan_check(name=\"a\", v=a) -}}{% set b %}x{% endset %}{{ diaoyan_check(name=\"b\", v=b) }}{% if a %}{{ diaoyan_check() }}{% break %}{% endif %}{{ diaoyan_check() }}"
    );
    // A child template: only inside its blocks.
    let src = "{% extends \"base.md\" %}\n{% block body %}{{ x }}{% endblock body %}\n";
    let (out, _) = instrument(src, None);
    assert_eq!(
        out,
        "{% extends \"base.md\" %}\n{% block body %}{{ diaoyan_check() }}{{ x }}{{ diaoyan_check() }}{% endblock body %}\n"
    );
}

#[test]
fn printed_size_counts_shared_parts_each_time() {
    let s = Value::from("ab".repeat(10));
    let l = Value::from(vec![s.clone(), s.clone()]);
    let l2 = Value::from(vec![l.clone(), l.clone()]);
    assert_eq!(printed_size(&s, 1000), 22);
    assert_eq!(printed_size(&l2, 1000), 2 + 2 * (2 + 2 * 22));
    // Stops past the limit.
    assert!(printed_size(&l2, 10) > 10);
}

#[test]
fn spans_map_back_to_the_pack_file() {
    let src = "{% for x in xs %}{{ x.a }}\n{{ y }}";
    let (out, inj) = instrument(src, None);
    let at = out.find("x.a").unwrap();
    let (range, cols) = unshift(&inj, &out, at..at + 3).unwrap();
    assert_eq!(&src[range], "x.a");
    assert_eq!(cols, inj[0].len);
    // On the next line the column is untouched.
    let at = out.find("y }").unwrap();
    let (range, cols) = unshift(&inj, &out, at..at + 1).unwrap();
    assert_eq!((&src[range], cols), ("y", 0));
    // Inside the injected call: its loop's tag.
    assert_eq!(unshift(&inj, &out, inj[0].at + 3..inj[0].at + 5), Err(0));
}
