// trialscout's pages work without this file; with it, the place box completes from the
// offline gazetteer (/api/v1/places) and the criteria switch to the registry's own words.
"use strict";

function completePlaces(input) {
  const list = document.getElementById(input.getAttribute("list"));
  if (!list) return;
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2 || text === asked) return;
    timer = setTimeout(async () => {
      asked = text;
      const url = input.dataset.places + "?limit=8&q=" + encodeURIComponent(text);
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (!answer.ok) return;
      const body = await answer.json();
      list.replaceChildren(
        ...body.places.map((place) => {
          const option = document.createElement("option");
          option.value = place.value;
          option.label = place.label;
          return option;
        })
      );
    }, 150);
  });
}

function switchWords(button) {
  button.closest(".toggle-words").hidden = false;
  button.addEventListener("click", () => {
    const showing = button.getAttribute("aria-pressed") === "true";
    button.setAttribute("aria-pressed", String(!showing));
    button.textContent = showing ? "Show the registry's words" : "Show plain words";
    document.querySelectorAll("details.words").forEach((d) => { d.open = !showing; });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-places]").forEach(completePlaces);
  document.querySelectorAll("[data-toggle-words]").forEach(switchWords);
});
