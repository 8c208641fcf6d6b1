"""The sentiment demo alone: `python apps/sentiment_app.py [--sentiment-model DIR --host H --port P]`."""

from textlstm import webapp

ARGS = webapp.parse_args() if __name__ == "__main__" else webapp.default_args()
demo = webapp.build_app(ARGS.sentiment_model, None, ARGS.explanation, ARGS.batching, ARGS.fine_tuning,
                         ARGS.models_dir)

if __name__ == "__main__":
    webapp.launch(demo, ARGS)
