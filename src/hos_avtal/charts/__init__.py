"""Charts for negotiators comparing scenarios, rendered offline as PNG or SVG.

The output file's suffix picks the format. matplotlib is imported only when a chart is drawn, so
importing this package costs next to nothing.

>>> from hos_avtal.charts import FORMATS
>>> sorted(FORMATS)
['.png', '.svg']
"""

from hos_avtal.charts._bars import comparison_bars
from hos_avtal.charts._common import FORMATS, NO_DATA, render
from hos_avtal.charts._heatmap import sweep_heatmap
from hos_avtal.charts._trend import pooled_trend

__all__ = ["FORMATS", "NO_DATA", "comparison_bars", "pooled_trend", "render", "sweep_heatmap"]
