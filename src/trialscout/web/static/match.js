// The "Match a patient" page works without this file. With it, a FHIR bundle file can be
// chosen: it is read here, in the browser, into the bundle's text box (the server never
// receives a file upload), and the referral summary gets a Print button.
"use strict";

function readInto(input) {
  const target = document.getElementById(input.dataset.into);
  if (!target) return;
  input.closest(".file-pick").hidden = false;
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => { target.value = String(reader.result); });
    reader.readAsText(file);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[type=file][data-into]").forEach(readInto);
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
});
