"""`python -m demo.mail_corpus OUT_DIR [--seed N] [--train N] [--test N]`: write the corpus
as train.csv, test.csv, hard.csv and `filed/<category>/*.eml` (the train part, filed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from demo.mail_corpus import corpus, hard_cases, write_csv, write_folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.mail_corpus", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=int, default=40, help="train-style mails per category and language")
    parser.add_argument("--test", type=int, default=20, help="test-style mails per category and language")
    args = parser.parse_args(argv)
    train, test = corpus(args.seed, args.train, args.test)
    for name, mails in (("train.csv", train), ("test.csv", test), ("hard.csv", hard_cases(args.seed))):
        print(write_csv(mails, args.out / name))
    print(write_folders(train, args.out / "filed"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
