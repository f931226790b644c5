// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Fill hidden time-zone fields with the browser's IANA zone (sign-up, settings).
  function fillTimezones() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    document.querySelectorAll('input[type="hidden"][name="timezone"]').forEach(function (input) {
      if (!input.value) input.value = zone;
    });
  }

  function selectOnFocus() {
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  // Show upload progress: send the form with XHR, then follow where the server sent us.
  function uploadProgress() {
    document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
      var bar = form.querySelector(".upload-progress");
      form.addEventListener("submit", function (event) {
        if (!window.FormData || !bar) return;
        event.preventDefault();
        var button = form.querySelector('button[type="submit"]');
        if (button) { button.disabled = true; button.textContent = "Uploading…"; }
        bar.hidden = false;
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action || window.location.href);
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
        });
        xhr.addEventListener("load", function () {
          var target = xhr.responseURL;
          if (target && target !== (form.action || window.location.href)) {
            window.location.assign(target);
          } else {
            document.open();
            document.write(xhr.responseText);
            document.close();
          }
        });
        xhr.addEventListener("error", function () {
          if (button) { button.disabled = false; button.textContent = "Upload and check"; }
          bar.hidden = true;
          window.alert("The upload failed. Check your connection and try again.");
        });
        xhr.send(new FormData(form));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fillTimezones();
    selectOnFocus();
    uploadProgress();
  });
})();
