"""Transfer Lab client: report runs trained anywhere into a Transfer Lab experiment.

    import tlab
    client = tlab.Client()  # TLAB_API_URL and TLAB_TOKEN, or url=..., token=...
    exp = client.create_experiment(name="resnet18 → flowers", base_model="resnet18-imagenet", dataset="flowers-102")
    with exp.start_run(strategy="partial", seed=1, settings={"cut": "layer3"}) as run:
        for epoch in range(1, 11):
            run.log(epoch, train_loss=..., val_accuracy=...)
        run.finish(test_accuracy=0.91, labels=[...], predicted=[...])
"""

from ._transport import ApiError, TlabError
from .client import Client, Experiment, Run, metric_name

__all__ = ["ApiError", "Client", "Experiment", "Run", "TlabError", "metric_name"]
__version__ = "0.1.0"
