// The exam screen's tools: the countdown, the keys, striking an option with a right-click,
// the highlighter and the lab values panel. Without this file the block still works:
// every move is a button of the question's form, striking is a checkbox, and the lab
// values open on their own page.
(function () {
  "use strict";

  var exam = document.querySelector("[data-exam]");
  if (!exam) return;
  var form = exam.querySelector("form[data-work]");

  // On a phone the navigator starts folded: the question comes first.
  var navigator = exam.querySelector("[data-navigator]");
  if (navigator && window.matchMedia("(max-width: 639px)").matches) navigator.open = false;

  function submitWith(go) {
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "go";
    button.value = go;
    button.hidden = true;
    form.appendChild(button);
    form.requestSubmit(button);
  }

  // --- the countdown: the server's time left when the page was made -------------------
  var timer = exam.querySelector("[data-remaining]");
  if (timer) {
    var face = timer.querySelector("[data-clock]");
    var endsAt = Date.now() + Number(timer.dataset.remaining) * 1000;
    var say = document.createElement("p");
    say.className = "visually-hidden";
    say.setAttribute("aria-live", "polite");
    exam.appendChild(say);
    var warned = {};
    var tick = function () {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      face.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      timer.classList.toggle("low", left <= 300);
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > mark - 5 && !warned[mark]) {
          warned[mark] = true;
          say.textContent = (mark / 60) + (mark === 60 ? " minute" : " minutes") + " left.";
        }
      });
      if (left === 0) { clearInterval(handle); submitWith("end"); }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }

  // --- striking an option out: right-click it, or S then its letter -------------------
  exam.addEventListener("contextmenu", function (event) {
    var option = event.target.closest("[data-option]");
    if (!option) return;
    event.preventDefault();
    exam.querySelector('[data-strike="' + option.dataset.option + '"]').click();
  });

  // --- the highlighter: select words of the stem, press H or the button ---------------
  var stem = exam.querySelector("[data-highlight]");
  var storeKey = stem ? "qbank-highlights:" + stem.dataset.highlight : null;

  function textNodes(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  }

  function offsetOf(container, offset) {
    var total = 0;
    var nodes = textNodes(stem);
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i] === container) return total + offset;
      total += nodes[i].data.length;
    }
    return total;
  }

  function saved() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }

  function paint(spans) {
    stem.querySelectorAll("mark[data-hl]").forEach(function (mark) {
      mark.replaceWith.apply(mark, Array.from(mark.childNodes));
    });
    stem.normalize();
    spans.forEach(function (span) {
      var position = 0;
      textNodes(stem).forEach(function (node) {
        var start = position, end = position + node.data.length;
        position = end;
        var from = Math.max(span[0], start), to = Math.min(span[1], end);
        if (from >= to || node.parentNode.closest("mark[data-hl]")) return;
        var middle = node.splitText(from - start);
        middle.splitText(to - from);
        var mark = document.createElement("mark");
        mark.dataset.hl = "";
        mark.title = "Highlighted (click to remove)";
        middle.replaceWith(mark);
        mark.appendChild(middle);
      });
    });
  }

  function highlight() {
    var selection = window.getSelection();
    if (!stem || !selection.rangeCount || selection.isCollapsed) return false;
    var range = selection.getRangeAt(0);
    if (!stem.contains(range.startContainer) || !stem.contains(range.endContainer)) return false;
    var start = range.startContainer.nodeType === 3 ? offsetOf(range.startContainer, range.startOffset) : 0;
    var end = range.endContainer.nodeType === 3 ? offsetOf(range.endContainer, range.endOffset) : stem.textContent.length;
    if (end <= start) return false;
    var spans = saved().concat([[start, end]]);
    localStorage.setItem(storeKey, JSON.stringify(spans));
    selection.removeAllRanges();
    paint(spans);
    return true;
  }

  if (stem) {
    paint(saved());
    var tool = document.createElement("button");
    tool.type = "button";
    tool.className = "link small";
    tool.textContent = "Highlight the selected words";
    tool.addEventListener("mousedown", function (event) { event.preventDefault(); });
    tool.addEventListener("click", highlight);
    stem.after(tool);
    stem.addEventListener("click", function (event) {
      var mark = event.target.closest("mark[data-hl]");
      if (!mark) return;
      var at = offsetOf(textNodes(mark)[0], 0);
      localStorage.setItem(storeKey, JSON.stringify(saved().filter(function (s) { return !(s[0] <= at && at < s[1]); })));
      paint(saved());
    });
  }

  // --- the lab values panel: the sheet fetched once, filtered as you type --------------
  var labs = exam.querySelector("[data-labs]");
  if (labs) {
    labs.addEventListener("toggle", function () {
      var panel = labs.querySelector("[data-labs-panel]");
      if (!labs.open || panel.dataset.loaded) return;
      panel.dataset.loaded = "1";
      fetch(panel.dataset.src, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var search = document.createElement("input");
          search.type = "search";
          search.placeholder = "Filter: sodium, INR, CSF…";
          search.setAttribute("aria-label", "Filter lab values");
          panel.appendChild(search);
          doc.querySelectorAll("[data-lab-panel]").forEach(function (section) { panel.appendChild(document.adoptNode(section)); });
          search.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
          search.addEventListener("input", function () {
            var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
            panel.querySelectorAll("[data-lab-panel]").forEach(function (section) {
              var shown = 0;
              section.querySelectorAll("[data-lab-row]").forEach(function (row) {
                var hit = words.every(function (w) { return row.dataset.text.indexOf(w) !== -1; });
                row.hidden = !hit;
                if (hit) shown++;
              });
              section.hidden = shown === 0;
            });
          });
          search.focus();
        });
    });
  }

  // --- keys ------------------------------------------------------------------------------
  var striking = false;

  function press(selector) {
    var element = exam.querySelector(selector);
    if (element && !element.disabled) { element.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.matches("textarea, select, input[type=text], input[type=search], input[type=number]")) return;
    var key = event.key;
    var letter = /^[a-jA-J]$/.test(key) ? key.toUpperCase() : null;
    var handled = false;
    if (striking && letter) {
      handled = press('[data-strike="' + letter + '"]');
      striking = false;
    } else if (key === "s" || key === "S") {
      striking = true;
      handled = true;
    } else if ((key === "h" || key === "H") && !exam.querySelector('input[data-letter="H"]')) {
      handled = highlight();
    } else if (/^[1-9]$/.test(key)) {
      handled = press('input[name=chosen][data-index="' + key + '"]');
    } else if (letter) {
      handled = press('input[name=chosen][data-letter="' + letter + '"]');
    } else if (key === "?") {
      handled = press("input[data-guess]");
    } else if (key === "m" || key === "M") {
      handled = press("input[data-mark]");
    } else if (key === "n" || key === "N") {
      var notes = exam.querySelector(".notes");
      notes.open = true;
      notes.querySelector("textarea").focus();
      handled = true;
    } else if (key === "l" || key === "L") {
      labs.open = !labs.open;
      handled = true;
    } else if (key === "ArrowRight") {
      handled = press("[data-next-q]");
    } else if (key === "ArrowLeft" || key === "p" || key === "P") {
      handled = press("[data-prev]");
    }
    if (handled) event.preventDefault();
  });
})();
