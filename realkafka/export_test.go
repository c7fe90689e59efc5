package realkafka

// SetAfterPickPorts sets the hook called with a picked port before the
// JVMs bind it; nil removes it.
func SetAfterPickPorts(hook func(port int)) { afterPickPorts = hook }
