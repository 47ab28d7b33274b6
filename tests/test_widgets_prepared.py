"""A table's Arrow copy and column config are made once per frame, and go with the frame."""

from __future__ import annotations

import gc
import weakref

import pandas as pd

from dashboard import widgets


def test_a_table_is_converted_once_and_not_kept_after_its_frame():
    frame = pd.DataFrame({"団体名": ["鳥取市", "米子市"], "DX担当職員数": [12, 7]})
    shown, config = widgets._prepared(frame, ())
    assert widgets._prepared(frame, ())[0] is shown  # a warm rerun sends the same Arrow table
    assert shown.num_rows == 2 and shown.column_names == ["団体名", "DX担当職員数"] and config
    gone, held = weakref.ref(frame), len(widgets._PREPARED)  # other tests' cached frames may be held too
    del frame
    gc.collect()
    assert gone() is None  # the remembered table does not keep its frame alive
    assert len(widgets._PREPARED) <= held - 1  # its entry went with it
