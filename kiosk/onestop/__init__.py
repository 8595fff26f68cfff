"""The commune one-stop desk's outputs: the printed queue ticket (the CT01 PDF is in ``kiosk.forms``)."""
