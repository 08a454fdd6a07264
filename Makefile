# Shortcuts for the scripts; the scripts are the real thing and work without make.
.PHONY: build demo test lab lab-down bench

build:
	scripts/build.sh

demo:
	scripts/demo.sh

test:
	scripts/test.sh

lab:
	scripts/lab.sh up
	scripts/lab.sh strict up

lab-down:
	scripts/lab.sh strict down
	scripts/lab.sh down

bench:
	scripts/bench.sh
