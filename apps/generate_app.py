"""The generation demo alone: `python apps/generate_app.py [--generator-model DIR --host H --port P]`."""

from textlstm import webapp

ARGS = webapp.parse_args() if __name__ == "__main__" else webapp.default_args()
demo = webapp.build_app(None, ARGS.generator_model, ARGS.explanation, ARGS.batching, ARGS.fine_tuning,
                         ARGS.models_dir)

if __name__ == "__main__":
    webapp.launch(demo, ARGS)
