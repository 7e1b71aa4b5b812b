//! `diaoyan serve` over HTTP: every endpoint, the security cases, traversal attempts,
//! limits, two-tab conflicts, previews and downloads byte-identical to the CLI's.

mod common;

use common::http::Server;

#[test]
fn serve_prints_its_address_and_serves_the_page_with_the_csrf_token() {
    let s = Server::start();
    assert!(
        s.banner[0].starts_with("diaoyan 工作台已启动：http://127.0.0.1:"),
        "{:?}",
        s.banner
    );
    assert_eq!(s.banner.get(2).map(String::as_str), Some("Ctrl-C 退出"));
    let csrf = s.csrf();
    assert_eq!(csrf.len(), 32);
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .text()
        .contains(&format!("<meta name=\"diaoyan-csrf\" content=\"{csrf}\">")));
}
