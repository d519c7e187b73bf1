#!/bin/sh
# The slices, then the merge, with kubectl. The merged verdict is the exit code.
set -eu
cd "$(dirname "$0")"
kubectl delete job loadsim-slices loadsim-merge --ignore-not-found
kubectl apply -f slices-job.yaml
# A slice that FAILs still completes (exit 0 or 1 both leave a part file; see slices-job.yaml).
kubectl wait --for=condition=complete --timeout=2h job/loadsim-slices
kubectl apply -f merge-job.yaml
kubectl wait --for=condition=complete --timeout=10m job/loadsim-merge || true
kubectl logs job/loadsim-merge
status=$(kubectl get job loadsim-merge -o jsonpath='{.status.succeeded}')
[ "$status" = 1 ]
