/** Virtual time for simulation mode: a discrete-event Reactor scheduler. */
package io.splitstream.operators.time;
