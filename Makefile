# omniroute — make run | make test | make bench | make proto | make lint
GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
export PATH := $(PATH):$(GOBIN)
BIN       := bin/omniroute
LOADTEST_DURATION ?= 10s
LOADTEST_FLAGS    ?=
BENCHTIME ?= 1s

.PHONY: all build run test bench bench-go loadtest proto proto-tools lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/omniroute

## run: serve the embedded demo network on :50051 (metrics on :9090)
run: build
	./$(BIN) serve

## test: every test, with the race detector
test:
	$(GO) test -race -count=1 ./...

## bench: Go benchmarks, then a short load test against a real server
bench: bench-go loadtest

bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

loadtest: build
	./scripts/loadtest.sh ./$(BIN) $(LOADTEST_DURATION) --warmup 1s $(LOADTEST_FLAGS)

## proto: regenerate api/ from the .proto (protoc from Debian's protobuf-compiler):
## the Go messages and gRPC services, the HTTP/JSON gateway and the OpenAPI file,
## whose routes are in api/omniroute/v1/omniroute_http.yaml
GATEWAY_VERSION := v2.33.0
proto-tools:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler"; exit 1; }
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GATEWAY_VERSION)
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GATEWAY_VERSION)

proto: proto-tools
	protoc -I api --go_out=api --go_opt=paths=source_relative \
		--go-grpc_out=api --go-grpc_opt=paths=source_relative \
		--grpc-gateway_out=api --grpc-gateway_opt=paths=source_relative \
		--grpc-gateway_opt=grpc_api_configuration=api/omniroute/v1/omniroute_http.yaml \
		--openapiv2_out=api --openapiv2_opt=grpc_api_configuration=api/omniroute/v1/omniroute_http.yaml \
		--openapiv2_opt=openapi_configuration=api/omniroute/v1/omniroute_openapi.yaml \
		--openapiv2_opt=json_names_for_fields=false,openapi_naming_strategy=simple \
		api/omniroute/v1/omniroute.proto

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	staticcheck ./...

clean:
	rm -rf bin
