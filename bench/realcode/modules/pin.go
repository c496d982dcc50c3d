// Package modules pins the third-party modules of the real-code benchmark:
// their versions are in this folder's go.mod, a module of its own so the
// main module's requirements stay untouched. Nothing here is built into
// asyncbook.
package modules

import (
	_ "github.com/IBM/sarama"
	_ "github.com/ThreeDotsLabs/watermill"
	_ "github.com/coder/websocket"
	_ "github.com/dgraph-io/ristretto/v2"
	_ "github.com/go-co-op/gocron/v2"
	_ "github.com/gorilla/websocket"
	_ "github.com/hashicorp/go-plugin"
	_ "github.com/hashicorp/memberlist"
	_ "github.com/hashicorp/raft"
	_ "github.com/hibiken/asynq"
	_ "github.com/nats-io/nats.go"
	_ "github.com/panjf2000/ants/v2"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rabbitmq/amqp091-go"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/robfig/cron/v3"
	_ "github.com/sashabaranov/go-openai"
	_ "github.com/segmentio/kafka-go"
	_ "github.com/sourcegraph/conc"
	_ "github.com/tmc/langchaingo/chains"
	_ "github.com/tmc/langchaingo/llms/cache/inmemory"
	_ "github.com/tmc/langchaingo/llms/cohere"
	_ "github.com/tmc/langchaingo/llms/mistral"
	_ "github.com/tmc/langchaingo/llms/watsonx"
	_ "github.com/twmb/franz-go/pkg/kgo"
	_ "go.etcd.io/etcd/client/v3"
	_ "google.golang.org/grpc"
	_ "k8s.io/client-go/tools/cache"
	_ "k8s.io/client-go/util/workqueue"
)
