"""Results and cut-flows show themselves as HTML in Jupyter (``_repr_html_``): the same numbers
as the objects, names escaped, well-formed."""

from html.parser import HTMLParser

import hepframe


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.text, self.errors = [], [], []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _parse(html):
    p = _Tags()
    p.feed(html)
    assert not p.errors and not p.stack, (p.errors, p.stack)
    return "".join(p.text)


def test_results_and_cutflow_html(sample):
    df = hepframe.RDataFrame("Events", sample)
    two = df.Filter("nMuon >= 2", "two <muons> & more")
    n = two.Count()
    h = two.Histo1D(("met", "", 20, 0, 200), "MET_pt")
    bad = df.Histo1D(("bad", "", 10, 0, 1), "log(-MET_pt)")
    results = two.compute()
    text = _parse(results._repr_html_())
    assert "two <muons> & more" in text  # escaped in the markup, itself in the text
    assert "<muons>" not in results._repr_html_()
    cf = results.cutflow
    assert str(cf["two <muons> & more"]) in text and str(cf.total) in text
    assert f"{n.GetValue()}" in text
    assert "met" in text and "bad" in text and "non-finite" in text
    cf_text = _parse(cf._repr_html_())
    assert f"{100 * cf['two <muons> & more'] / cf.total:.2f}%" in cf_text
    assert h.GetValue().sum() > 0 and bad.GetValue() is not None
