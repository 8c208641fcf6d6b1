"""Both demos as tabs: `python apps/app.py [--host H --port P --share --sentiment-model DIR --generator-model DIR]`,
`gradio apps/app.py` (reload mode) or `textlstm demo`."""

from textlstm import webapp

ARGS = webapp.parse_args() if __name__ == "__main__" else webapp.default_args()
demo = webapp.build_app(ARGS.sentiment_model, ARGS.generator_model, ARGS.explanation, ARGS.batching,
                         ARGS.fine_tuning, ARGS.models_dir)

if __name__ == "__main__":
    webapp.launch(demo, ARGS)
