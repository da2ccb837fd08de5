// Package v1alpha1 holds the openova.io/v1alpha1 API: Platform, the whole desired state of
// one OpenOva platform, and Component, one delivered member of it.
//
// +kubebuilder:object:generate=true
// +groupName=openova.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of this API.
	GroupVersion = schema.GroupVersion{Group: "openova.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this API with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this API to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion,
		&Platform{}, &PlatformList{},
		&Component{}, &ComponentList{},
	)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
