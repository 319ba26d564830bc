"""Reference values for lib/eval's tests, computed with scikit-learn and SciPy
(t quantiles with mpmath at 30 digits, starting from SciPy's t.ppf, which is
accurate only to about 1e-9).

    /usr/bin/python3 lib/eval/testdata/sklearn_reference.py > lib/eval/testdata/sklearn_reference.json

Debian packages: python3-sklearn python3-scipy python3-mpmath.
"""
import json

import mpmath
import os

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.metrics import classification_report, confusion_matrix

here = os.path.dirname(os.path.abspath(__file__))
fixtures = json.load(open(os.path.join(here, "fixtures.json")))

out = {"versions": {"sklearn": sklearn.__version__, "scipy": scipy.__version__}, "reports": [], "tQuantiles": [], "proportions": [], "mcnemar": []}
for f in fixtures["reports"]:
    labels = list(range(len(f["classes"])))
    entry = {"name": f["name"], "confusion": {}}
    for zd in (0, 1):
        entry[f"zeroDivision{zd}"] = classification_report(
            f["yTrue"], f["yPred"], labels=labels, target_names=f["classes"], zero_division=zd, output_dict=True)
    entry["confusion"]["none"] = confusion_matrix(f["yTrue"], f["yPred"], labels=labels).tolist()
    for norm in ("true", "pred", "all"):
        with np.errstate(all="ignore"):
            entry["confusion"][norm] = confusion_matrix(f["yTrue"], f["yPred"], labels=labels, normalize=norm).tolist()
    out["reports"].append(entry)
for p, df in fixtures["tQuantiles"]:
    mpmath.mp.dps = 30
    cdf = lambda t: 1 - mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True) / 2
    start = float(stats.t.ppf(p, df))
    sign = 1 if p >= 0.5 else -1
    root = mpmath.findroot(lambda t: cdf(abs(t)) - (p if p >= 0.5 else 1 - p), abs(start))
    out["tQuantiles"].append(sign * float(root))
for k, n in fixtures["proportions"]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    out["proportions"].append({"wilson": [float(ci.low), float(ci.high)]})
for b, c in fixtures["mcnemar"]:
    n = b + c
    exact = 1.0 if n == 0 else float(min(1.0, 2 * stats.binom.cdf(min(b, c), n, 0.5)))
    chi2 = 0.0 if n == 0 else (abs(b - c) - 1) ** 2 / n
    out["mcnemar"].append({"exactP": exact, "chi2": chi2, "chi2P": 1.0 if n == 0 else float(stats.chi2.sf(chi2, 1))})
print(json.dumps(out, indent=1))
