// Study without page reloads, and with the keyboard. Without this file every step is a
// plain form or link and works the same.
(function () {
  "use strict";

  function studyRoot() { return document.querySelector("[data-study]"); }

  function swapIn(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.querySelector("main");
    if (!main) { window.location.assign(url); return; }
    document.querySelector("main").innerHTML = main.innerHTML;
    document.title = doc.title;
    if (url && url !== window.location.href) history.pushState({}, "", url);
    var focus = document.querySelector("main [autofocus]") || document.querySelector("main h1, main .stem");
    if (focus) { if (!focus.hasAttribute("tabindex") && focus.tagName !== "A" && focus.tagName !== "BUTTON") focus.setAttribute("tabindex", "-1"); focus.focus({ preventScroll: false }); }
    window.scrollTo(0, 0);
  }

  function load(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin", headers: { "X-Requested-With": "fetch" } }, options || {}))
      .then(function (response) { return response.text().then(function (text) { swapIn(text, response.url); }); })
      .catch(function () { window.location.assign(url); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!studyRoot() || !form.closest("[data-study]") || form.method.toLowerCase() !== "post") return;
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    load(form.action, { method: "POST", body: data });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reveal], a[data-next]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    load(link.href);
  });

  window.addEventListener("popstate", function () { if (studyRoot()) load(window.location.href); });

  function press(selector) {
    var element = document.querySelector(selector);
    if (element) { element.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (!studyRoot() || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target.matches("textarea, select, input[type=text], input[type=search]")) return;
    var key = event.key;
    var ratings = document.querySelector("[data-ratings]");
    var answer = document.querySelector("form[data-answer]");
    var handled = false;
    if (ratings && /^[1-4]$/.test(key)) {
      handled = press('[data-ratings] button[data-key="' + key + '"]');
    } else if (answer && /^[1-9]$/.test(key)) {
      handled = press('form[data-answer] input[data-index="' + key + '"]');
    } else if (answer && /^[a-jA-J]$/.test(key) && key.toLowerCase() !== "u") {
      handled = press('form[data-answer] input[data-letter="' + key.toUpperCase() + '"]');
    } else if (answer && key === "?") {
      handled = press("form[data-answer] input[data-guess]");
    } else if (key === "Enter") {
      if (answer) { handled = true; answer.requestSubmit(); }
      else handled = press("[data-next]");
    } else if (key === " " || key === "Spacebar") {
      handled = press("[data-reveal]");
    } else if (key === "u" || key === "U") {
      handled = press("[data-undo]");
    }
    if (handled) event.preventDefault();
  });
})();
