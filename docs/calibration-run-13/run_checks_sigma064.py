import sys
import time

from dormancy.patients.care_checks import run_care_checks

t = time.time()
names = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
tab = run_care_checks(
    n_patients=int(sys.argv[1]),
    seed=20261207,
    names=names,
    parameters={"patients_natural_history.endocrine_response_sd_log": 0.64},
)
tab.to_csv(sys.argv[2], index=False)
print(
    tab[
        [
            "check",
            "events_control",
            "events_experimental",
            "model_rr",
            "model_low",
            "model_high",
            "published_low",
            "published_high",
            "within",
        ]
    ].to_string(),
    time.time() - t,
    flush=True,
)
