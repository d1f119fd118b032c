"""What the app corrects in Streamlit's own markup for accessibility (RGAA 4.1), once per page load.

- Streamlit serves `<html lang="en">` whatever the app says: the document's language is set to French
  (criterion 8.3), so screen readers speak French.
- The sidebar navigation with sections puts each section (a `div`: its header, then its links' `li`) straight
  in the `ul` (criterion 9.3, axe `list` and `listitem`): the `ul` becomes presentational and each section a list
  named by its header, the header being hidden from assistive technologies since the list's name says it.
A MutationObserver keeps both true when Streamlit redraws the sidebar.
"""
from __future__ import annotations

import streamlit as st

from observatoire.base import settings
from observatoire.present import accessibility

DECLARATION = "pages/accessibilite.py"

SCRIPT = """<script>
(() => {
  const fix = () => {
    const root = document.documentElement;
    if (root.lang !== "fr") root.lang = "fr";
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


def correct_markup() -> None:
    """Run the corrections in the page (called once per run by page_style, the login screen included)."""
    st.html(SCRIPT, unsafe_allow_javascript=True)


def contact() -> str:
    """Where users report an accessibility problem (setting accessibility_contact; "" when not set)."""
    return settings.accessibility_contact()


def mention() -> None:
    """« Accessibilité : non conforme », the link to the declaration the home page and the login screen carry."""
    st.page_link(DECLARATION, label=accessibility.mention(), icon=":material/accessibility_new:")
