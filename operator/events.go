package operator

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// notify logs a message and records it as an event on obj, together, so the two never
// disagree. The event reason is the condition reason; messages never carry credentials.
func notify(ctx context.Context, rec events.EventRecorder, obj runtime.Object, eventType, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logger := log.FromContext(ctx)
	if o, ok := obj.(client.Object); ok {
		logger = logger.WithValues("object", client.ObjectKeyFromObject(o).String())
	}
	if eventType == corev1.EventTypeWarning {
		logger.Info("warning: "+msg, "reason", reason)
	} else {
		logger.Info(msg, "reason", reason)
	}
	if rec != nil {
		rec.Eventf(obj, nil, eventType, reason, reason, "%s", msg)
	}
}
