"""Streamlit only: the sidebar context, guards and error pages, download buttons, tables on screen, sign-in.

Pages call `ui.context()`, `ui.chart(...)`, `ui.table(...)`, `ui.grid(...)`, `ui.table_downloads(...)`; app.py calls
the rest once.
"""
from observatoire.ui.a11y import contact as accessibility_contact
from observatoire.ui.a11y import mention as accessibility_mention
from observatoire.ui.context import (
                                     Context,
                                     caption_as_of,
                                     clamp_date,
                                     clamp_territory,
                                     context,
                                     context_from_url,
                                     page_style,
                                     sidebar,
                                     visible_options,
)
from observatoire.ui.desk import convention_comparison, link_table, territory_key, with_links, worklist_downloads
from observatoire.ui.downloads import (
    bilan_and_seance,
    chart,
    download_button,
    downloads,
    grid,
    may_export,
    may_see_departments_of,
    table,
    table_downloads,
)
from observatoire.ui.figures import plot, selection
from observatoire.ui.guards import damaged_store_page, page_failed, require_store
from observatoire.ui.panels import column_config, sections, show

__all__ = ["accessibility_contact", "accessibility_mention", "Context", "caption_as_of", "clamp_date",
           "clamp_territory", "context", "context_from_url", "page_style", "sidebar", "visible_options",
           "bilan_and_seance", "chart", "download_button", "downloads", "grid", "may_export", "table",
           "table_downloads", "damaged_store_page", "page_failed", "require_store", "column_config", "show"]
__all__ += ["convention_comparison", "link_table", "territory_key", "with_links", "worklist_downloads"]
__all__ += ["may_see_departments_of", "plot", "sections", "selection"]
