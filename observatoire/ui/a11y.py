"""What the app corrects in Streamlit's own markup for accessibility (RGAA 4.1), once per page load.

- Streamlit serves `<html lang="en">` whatever the app says: the document's language is set to French
  (criterion 8.3), so screen readers speak French.
- The sidebar navigation with sections puts each section (a `div`: its header, then its links' `li`) straight
  in the `ul` (criterion 9.3, axe `list` and `listitem`): the `ul` becomes presentational and each section a list
  named by its header, the header being hidden from assistive technologies since the list's name says it.
- A few of Streamlit's own English words that assistive technologies read are put in French (criterion 8.7):
  the skip link, the headings' anchors, the date picker's button, the help buttons.
A MutationObserver keeps all this true when Streamlit redraws. And a focus ring of the theme's primary colour
(criterion 10.7) goes where Streamlit shows focus faintly or not at all: links (the navigation's too), radio
buttons, checkboxes and switches, selectors, the date's fields, the page's scrolling area.
"""
from __future__ import annotations

import streamlit as st

from observatoire.base import settings
from observatoire.present import accessibility

DECLARATION = "pages/accessibilite.py"

SCRIPT = """<script>
(() => {
  const LABELS = {"Skip to main content": "Aller au contenu", "Link to heading": "Lien vers ce titre",
                  "Choose date": "Choisir une date"};
  const fix = () => {
    const root = document.documentElement;
    if (root.lang !== "fr") root.lang = "fr";
    document.querySelectorAll('[data-testid="stSkipToContent"]').forEach((link) => {
      if (link.textContent in LABELS) link.textContent = LABELS[link.textContent];
    });
    document.querySelectorAll("[aria-label]").forEach((element) => {
      const label = element.getAttribute("aria-label");
      if (label in LABELS) element.setAttribute("aria-label", LABELS[label]);
      else if (label.startsWith("Help for ")) element.setAttribute("aria-label", "Aide : " + label.slice(9));
    });
    document.querySelectorAll('[data-testid="stSidebarNavItems"]').forEach((ul) => {
      const sections = [...ul.children].filter((child) => child.tagName === "DIV");
      if (!sections.length) return;
      if (ul.getAttribute("role") !== "none") ul.setAttribute("role", "none");
      sections.forEach((section) => {
        const header = section.querySelector(":scope > header");
        if (section.getAttribute("role") !== "list") section.setAttribute("role", "list");
        if (header) {
          const name = header.innerText.trim();
          if (section.getAttribute("aria-label") !== name) section.setAttribute("aria-label", name);
          if (header.getAttribute("aria-hidden") !== "true") header.setAttribute("aria-hidden", "true");
        }
      });
    });
  };
  fix();
  if (!window.observatoireA11y) {
    let pending = false;
    window.observatoireA11y = new MutationObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; fix(); });
    });
    window.observatoireA11y.observe(document.body, {childList: true, subtree: true});
  }
})();
</script>"""


FOCUS_CSS = """<style>
a:focus-visible, [role="spinbutton"]:focus-visible { outline: 2px solid {primary} !important; outline-offset: 2px; }
label:has(input:focus-visible), [data-testid="stSelectbox"] > div:has(input:focus-visible),
[data-testid="stMultiSelect"] > div:has(input:focus-visible) {
  outline: 2px solid {primary}; outline-offset: 2px; border-radius: 0.25rem;
}
/* The page's scrolling area takes the focus (arrow keys scroll it): show it, inside its edge. */
[data-testid="stMain"]:focus-visible { outline: 2px solid {primary}; outline-offset: -2px; }
</style>"""


def correct_markup() -> None:
    """Run the corrections in the page (called once per run by page_style, the login screen included)."""
    st.html(FOCUS_CSS.replace("{primary}", st.get_option("theme.primaryColor") or "#1f5fa8"))
    st.html(SCRIPT, unsafe_allow_javascript=True)


def contact() -> str:
    """Where users report an accessibility problem (setting accessibility_contact; "" when not set)."""
    return settings.accessibility_contact()


def mention() -> None:
    """« Accessibilité : non conforme », the link to the declaration the home page and the login screen carry."""
    st.page_link(DECLARATION, label=accessibility.mention(), icon=":material/accessibility_new:")
