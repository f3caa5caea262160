// The link to the other edition, at the top of every page. The English book is served at
// the site's root and the Chinese one under `zh-CN/` (README.md, "The book"), with the same
// file names, so the same page of the other edition is one path away.
(function () {
    const chinese = document.documentElement.lang === "zh-CN";
    // `path_to_root` is set by mdBook's page template: the way from this page to the book's root.
    const root = new URL(path_to_root, location.href);
    const page = location.href.startsWith(root.href) ? location.href.slice(root.href.length) : "";
    const link = document.createElement("a");
    link.href = new URL((chinese ? "../" : "zh-CN/") + page, root).href;
    link.textContent = chinese ? "English" : "中文";
    link.lang = chinese ? "en" : "zh-CN";
    link.title = chinese ? "Read this page in English" : "阅读本页的中文版";
    link.className = "edition-link";
    document.querySelector(".right-buttons")?.prepend(link);
})();

// The exercises' hints are HTML (`<details><summary>Hint</summary>`), which the catalogue
// does not hold, so the Chinese edition names them here.
if (document.documentElement.lang === "zh-CN") {
    for (const summary of document.querySelectorAll("details > summary")) {
        if (summary.textContent.trim() === "Hint") summary.textContent = "提示";
    }
}
