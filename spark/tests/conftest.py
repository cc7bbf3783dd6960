"""Puts the job's package (spark/heatmap) on the path of the tests; they need no services."""

import os
import sys

SPARK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SPARK_DIR)
