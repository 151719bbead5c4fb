import sys

from saddle.cli import main

sys.exit(main())
