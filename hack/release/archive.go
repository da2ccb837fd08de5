package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// archiveFile is one file of an archive, at its root.
type archiveFile struct {
	Name string
	Mode fs.FileMode
	Data []byte
}

// writeArchive packs files in the given order as a zip when name ends in .zip, else as a
// gzipped tar. Every entry has the same modification time, owner root (0:0, no names) and
// an explicit mode, and the gzip header carries no name or time: the bytes depend only on
// the files and modTime.
func writeArchive(name string, files []archiveFile, modTime time.Time) ([]byte, error) {
	if strings.HasSuffix(name, ".zip") {
		return writeZip(files, modTime)
	}
	if strings.HasSuffix(name, ".tar.gz") {
		return writeTarGz(files, modTime)
	}
	return nil, fmt.Errorf("unknown archive type of %s: want .tar.gz or .zip", name)
}

func writeTarGz(files []archiveFile, modTime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.Name,
			Mode:     int64(f.Mode.Perm()),
			Size:     int64(len(f.Data)),
			ModTime:  modTime,
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeZip(files []archiveFile, modTime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: modTime}
		hdr.SetMode(f.Mode.Perm())
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
