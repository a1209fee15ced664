from nodeward.cli import main

raise SystemExit(main())
