# One Kubernetes component image (kube-apiserver, kube-controller-manager, kube-scheduler,
# kube-proxy, etcd, CoreDNS, pause) from a binary built here, under the name kubeadm expects,
# so the node never asks registry.k8s.io. Context: a folder with the binary.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG BINARY
ARG DEST=/usr/local/bin
COPY ${BINARY} ${DEST}/${BINARY}
